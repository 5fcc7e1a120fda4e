// Mint N distinct bearer JWTs for the HTTP benchmarks, one per line, with
// node's built-in crypto (mcpctl token makes one per process, too slow
// for a fresh token per request).  The algorithm follows the key: RS256
// for an RSA key, ES256 for an EC P-256 key.  Each token carries a unique
// jti, so that none can be answered from mcpd's cache of verified tokens;
// roles are developer and viewer, exp TTL seconds from now (default one
// hour).
//
// usage: node mint-tokens.mjs KEY.pem KID ISS AUD SUB N [TTL]
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';

const [keyfile, kid, iss, aud, sub, n, ttl = '3600'] = process.argv.slice(2);
if (n === undefined || !/^\d+$/.test(n) || !/^\d+$/.test(ttl)) {
	console.error('usage: node mint-tokens.mjs KEY.pem KID ISS AUD SUB N [TTL]');
	process.exit(2);
}
const key = createPrivateKey(readFileSync(keyfile));
let alg, opts;
if (key.asymmetricKeyType === 'rsa') {
	alg = 'RS256';
	opts = { key };
} else if (key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails.namedCurve === 'prime256v1') {
	alg = 'ES256';
	opts = { key, dsaEncoding: 'ieee-p1363' };
} else {
	console.error(`mint-tokens: ${keyfile}: not an RSA or P-256 key`);
	process.exit(1);
}
const b64 = (s) => Buffer.from(s).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const head = b64(JSON.stringify({ alg, typ: 'at+jwt', kid }));
const out = [];
for (let i = 0; i < Number(n); i++) {
	const body = b64(JSON.stringify({ iss, aud, sub, iat: now,
	    exp: now + Number(ttl), roles: ['developer', 'viewer'],
	    jti: randomBytes(12).toString('hex') }));
	const input = `${head}.${body}`;
	const sig = sign('sha256', Buffer.from(input), opts)
	    .toString('base64url');
	out.push(`${input}.${sig}`);
	if (out.length === 4096) {
		writeSync(1, out.join('\n') + '\n');
		out.length = 0;
	}
}
if (out.length > 0)
	writeSync(1, out.join('\n') + '\n');
