// Forge the bad bearer tokens of issue 4 for http-oauth-bad-tokens.sh,
// with nothing but node's built-in crypto (no npm package): each token is
// wrong in exactly one way, so that the reason mcpd audits can be
// asserted exactly.  One control token ("good") is right in every way, so
// that the forging itself is shown to produce what mcpd accepts.
//
// usage: node jwt-forge.mjs DIR ISS AUD SUB
// DIR holds r1.key (RSA), e1.key (EC P-256), d1.key (Ed25519), all PKCS#8
// PEM, and r1.pub (the RSA public key, PEM).  Prints one "NAME TOKEN" line
// per token on stdout.
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [dir, iss, aud, sub] = process.argv.slice(2);
if (sub === undefined) {
	console.error('usage: node jwt-forge.mjs DIR ISS AUD SUB');
	process.exit(2);
}
const key = (n) => createPrivateKey(readFileSync(`${dir}/${n}.key`));
const rsa = key('r1'), ec = key('e1'), ed = key('d1');
const rsaPubPem = readFileSync(`${dir}/r1.pub`);

const b64 = (s) => Buffer.from(s).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const claims = (over = {}) => {
	const c = { iss, aud, sub, iat: now, exp: now + 900,
	    roles: ['developer', 'viewer'], ...over };
	for (const k of Object.keys(over))
		if (over[k] === undefined)
			delete c[k];
	return c;
};

// The signature of input s under alg, with the matching key.
function signature(alg, s) {
	switch (alg) {
	case 'RS256': return sign('sha256', Buffer.from(s), rsa);
	case 'ES256': return sign('sha256', Buffer.from(s),
	    { key: ec, dsaEncoding: 'ieee-p1363' });
	case 'EdDSA': return sign(null, Buffer.from(s), ed);
	default: throw new Error(alg);
	}
}

// A token whose header and payload are given as JSON text (so that
// duplicate members and odd values can be written), signed with alg.
function rawToken(alg, headerText, payloadText) {
	const input = `${b64(headerText)}.${b64(payloadText)}`;
	return `${input}.${signature(alg, input).toString('base64url')}`;
}

function token(alg, kid, over = {}, hdrOver = {}) {
	const h = { alg, typ: 'at+jwt', kid, ...hdrOver };
	for (const k of Object.keys(hdrOver))
		if (hdrOver[k] === undefined)
			delete h[k];
	return rawToken(alg, JSON.stringify(h), JSON.stringify(claims(over)));
}

// Flip the lowest bit of the signature's first byte.
function flip(t) {
	const [h, p, s] = t.split('.');
	const b = Buffer.from(s, 'base64url');
	b[0] ^= 1;
	return `${h}.${p}.${b.toString('base64url')}`;
}

const out = [];
const add = (name, t) => out.push(`${name} ${t}`);
const good = token('RS256', 'r1');

add('good', good);
add('good-es256', token('ES256', 'e1'));
add('good-eddsa', token('EdDSA', 'd1'));
{
	const input = `${b64(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'r1' }))}.` +
	    b64(JSON.stringify(claims()));
	add('alg-none', `${input}.`);
}
{
	// Algorithm confusion: HMAC keyed with the RSA public key's PEM.
	const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'r1' }))}.` +
	    b64(JSON.stringify(claims()));
	add('hs256-pubkey', `${input}.` +
	    createHmac('sha256', rsaPubPem).update(input).digest('base64url'));
}
add('rs256-kid-of-ec-key', token('RS256', 'e1'));
add('unknown-kid', token('RS256', 'nosuch'));
add('kid-path', token('RS256', '../../etc/passwd'));
add('kid-quote', token('RS256', 'r1"'));
add('expired', token('RS256', 'r1', { iat: now - 7200, exp: now - 3600 }));
add('nbf-future', token('RS256', 'r1', { nbf: now + 3600 }));
add('no-exp', token('RS256', 'r1', { exp: undefined }));
add('exp-string', token('RS256', 'r1', { exp: String(now + 900) }));
add('wrong-iss', token('RS256', 'r1', { iss: 'https://evil.example' }));
add('no-aud', token('RS256', 'r1', { aud: undefined }));
add('other-aud', token('RS256', 'r1', { aud: 'https://other.example/mcp' }));
add('aud-array-without-ours', token('RS256', 'r1',
    { aud: ['https://a.example/mcp', 'https://b.example/mcp'] }));
add('bitflip-rs256', flip(good));
add('bitflip-es256', flip(token('ES256', 'e1')));
add('bitflip-eddsa', flip(token('EdDSA', 'd1')));
{
	// Another subject's payload under this token's valid signature.
	const [h, , s] = good.split('.');
	const p = token('RS256', 'r1', { sub: 'admin@example.com',
	    roles: ['admin'] }).split('.')[1];
	add('payload-swapped', `${h}.${p}.${s}`);
}
add('two-parts', good.split('.').slice(0, 2).join('.'));
add('five-parts', `${good}.${b64('x')}.${b64('y')}`);
{
	const [, p, s] = good.split('.');
	add('header-not-base64url', `e30*.${p}.${s}`);
	add('header-not-json', `${b64('{"alg":"RS256",')}.${p}.${s}`);
	const [h] = good.split('.');
	add('payload-not-base64url', `${h}.e30*.${s}`);
}
const hdr = JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'r1' });
add('payload-not-json', rawToken('RS256', hdr, '{"sub":'));
{
	const c = JSON.stringify(claims());
	add('duplicate-claims', rawToken('RS256', hdr,
	    c.replace(/}$/, ',"sub":"admin@example.com"}')));
}
add('roles-not-array', token('RS256', 'r1', { roles: 'admin' }));
add('roles-not-strings', token('RS256', 'r1', { roles: ['viewer', 1] }));
// typ (RFC 9068): "at+jwt" is what the good tokens carry; the media type
// form is the same; "JWT" (an ID token's) and none pass only under
// JWTType JWT; anything else only under JWTType any.
add('typ-media-type', token('ES256', 'e1', {}, { typ: 'application/at+jwt' }));
add('typ-jwt', token('ES256', 'e1', {}, { typ: 'JWT' }));
add('typ-missing', token('ES256', 'e1', {}, { typ: undefined }));
add('typ-other', token('ES256', 'e1', {}, { typ: 'dpop+jwt' }));
// Long tokens: a padding claim makes the payload as long as asked.
const padded = (n) => {
	const t = token('RS256', 'r1', { pad: '' });
	const pad = 'x'.repeat(Math.max(0, Math.ceil((n - t.length) * 3 / 4)));
	return token('RS256', 'r1', { pad });
};
add('long-10k', padded(10 * 1024));
add('long-100k', padded(100 * 1024));
console.log(out.join('\n'));
