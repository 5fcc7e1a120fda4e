// Mint N distinct ES256 bearer tokens for the HTTPS benchmark, one per
// line, with node's built-in crypto (mcpctl token makes one per process,
// too slow for a fresh token per request).  Each carries a unique jti, so
// none can be answered from mcpd's cache of verified tokens.
//
// usage: node mint-tokens.mjs KEY.pem KID ISS AUD SUB N
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';

const [keyfile, kid, iss, aud, sub, n] = process.argv.slice(2);
if (n === undefined) {
	console.error('usage: node mint-tokens.mjs KEY.pem KID ISS AUD SUB N');
	process.exit(2);
}
const key = createPrivateKey(readFileSync(keyfile));
const b64 = (s) => Buffer.from(s).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const head = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
const out = [];
for (let i = 0; i < Number(n); i++) {
	const body = b64(JSON.stringify({ iss, aud, sub, iat: now,
	    exp: now + 3600, roles: ['developer', 'viewer'],
	    jti: randomBytes(12).toString('hex') }));
	const input = `${head}.${body}`;
	const sig = sign('sha256', Buffer.from(input),
	    { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
	out.push(`${input}.${sig}`);
	if (out.length === 4096) {
		writeSync(1, out.join('\n') + '\n');
		out.length = 0;
	}
}
if (out.length > 0)
	writeSync(1, out.join('\n') + '\n');
