// Interop test: the official MCP TypeScript SDK (its Client and
// StreamableHTTPClientTransport, code we did not write) talks to a running
// mcpd over HTTPS.  One mode a run, from argv[2]:
//
//   bearer     Authorization: Bearer $INTEROP_TOKEN.  Lists the tools, calls
//              list_tables (allowed) and delete_users (denied: a tool result
//              with isError and the ACCESS DENIED text); the same token in
//              the query string instead of the header is refused.
//   mtls       A client certificate ($INTEROP_CLIENT_CERT, $INTEROP_CLIENT_KEY)
//              and no token: the same calls; without the certificate the
//              connection is refused.
//   challenge  No token: the SDK's connect fails with 401, whose
//              WWW-Authenticate names resource_metadata; a bad token gets
//              error="invalid_token"; the metadata, fetched the SDK's way and
//              at both well-known paths, carries `resource` and
//              `authorization_servers`.
//
// Environment:
//   MCPD_URL             https://127.0.0.1:PORT/mcp
//   INTEROP_CA           PEM file of the test CA (else NODE_EXTRA_CA_CERTS,
//                        which Node reads at start-up)
//   INTEROP_TOKEN        bearer mode: a token whose roles allow list_tables
//                        and not delete_users
//   INTEROP_CLIENT_CERT, INTEROP_CLIENT_KEY   mtls mode: PEM files
//   INTEROP_SERVER_NAME  expected serverInfo.name (default mcpd)
//   INTEROP_RESOURCE     expected metadata `resource` (default MCPD_URL)
//   INTEROP_AUTH_SERVERS expected `authorization_servers`, comma-separated
//                        (default: any non-empty list of https URLs)
// Prints "ok interop-http: ..." and exits 0 when every check holds; exits 1
// with a message on the first that does not, 2 on bad usage.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import process from 'node:process';

import { Agent, fetch as undiciFetch } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
	discoverOAuthProtectedResourceMetadata,
	extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

const TIMEOUT_MS = 30000;
const REQUEST_OPTS = { timeout: 10000 };
const CLIENT_NAME = 'mcpd-interop-http';

const SDK_VERSION = JSON.parse(readFileSync(new URL(
    './node_modules/@modelcontextprotocol/sdk/package.json',
    import.meta.url), 'utf8')).version;

// The denial text up to the roles, which depend on the credential used.
const DENIED_HEAD = 'ACCESS DENIED\n--------------\nTool: delete_users\n';
const DENIED_TAIL = '\nAction: Blocked and logged';

function usage(msg) {
	console.error(`http-sdk: ${msg}`);
	console.error('usage: http-sdk.mjs bearer|mtls|challenge  (see the header)');
	process.exit(2);
}

function need(name) {
	const v = process.env[name];
	if (v === undefined || v === '')
		usage(`${name} is not set`);
	return v;
}

const mode = process.argv[2];
if (!['bearer', 'mtls', 'challenge'].includes(mode))
	usage(`unknown mode ${JSON.stringify(mode)}`);
const url = new URL(need('MCPD_URL'));
if (url.protocol !== 'https:')
	usage(`MCPD_URL must be https: ${url.href}`);
const serverName = process.env.INTEROP_SERVER_NAME || 'mcpd';

// A hung server or a lost answer must fail the test, not stall it.
const watchdog = setTimeout(() => {
	console.error(`FAIL: interop-http ${mode} did not finish within ${TIMEOUT_MS} ms`);
	process.exit(1);
}, TIMEOUT_MS);
watchdog.unref();

// TLS for every request this process makes, the SDK's included: the test CA
// and, in mtls mode, the client certificate.  undici's own fetch is used
// with it, since the global fetch of this Node need not accept a dispatcher
// from another undici.
function makeFetch(withCert) {
	const connect = {};
	if (process.env.INTEROP_CA)
		connect.ca = readFileSync(process.env.INTEROP_CA);
	if (withCert) {
		connect.cert = readFileSync(need('INTEROP_CLIENT_CERT'));
		connect.key = readFileSync(need('INTEROP_CLIENT_KEY'));
	}
	const dispatcher = new Agent({ connect });
	const f = (input, init = {}) => undiciFetch(input, { ...init, dispatcher });
	f.close = () => dispatcher.close();
	return f;
}

function textOf(what, result) {
	assert.ok(Array.isArray(result.content) && result.content.length >= 1,
	    `${what}: no content in ${JSON.stringify(result)}`);
	assert.equal(result.content[0].type, 'text',
	    `${what}: first content item is not text: ${JSON.stringify(result.content[0])}`);
	return result.content[0].text;
}

// Connect with the SDK, list the tools, make an allowed and a denied call.
async function session(fetchFn, headers) {
	const transport = new StreamableHTTPClientTransport(url, {
		fetch: fetchFn,
		requestInit: { headers },
	});
	const client = new Client({ name: CLIENT_NAME, version: SDK_VERSION },
	    { capabilities: {} });
	const sdkErrors = [];
	client.onerror = e => {
		sdkErrors.push(String(e?.message ?? e));
	};
	await client.connect(transport, REQUEST_OPTS);

	const server = client.getServerVersion();
	assert.equal(server?.name, serverName,
	    `connect: server name ${server?.name}, expected ${serverName}`);
	const version = transport.protocolVersion;
	assert.ok(typeof version === 'string' && version !== '',
	    'connect: no protocol version negotiated');
	assert.ok(client.getServerCapabilities()?.tools,
	    `connect: no tools capability: ${JSON.stringify(client.getServerCapabilities())}`);

	const listed = await client.listTools(undefined, REQUEST_OPTS);
	const names = listed.tools.map(t => t.name);
	for (const n of ['list_tables', 'delete_users'])
		assert.ok(names.includes(n), `listTools: no ${n} in ${JSON.stringify(names)}`);

	const lt = await client.callTool({ name: 'list_tables', arguments: {} },
	    undefined, REQUEST_OPTS);
	assert.equal(lt.isError ?? false, false,
	    `list_tables: isError: ${JSON.stringify(lt)}`);
	const ltText = textOf('list_tables', lt);
	assert.ok(ltText.includes('users'), `list_tables: no "users" in ${ltText}`);

	const d = await client.callTool({ name: 'delete_users',
	    arguments: { userIds: ['1'] } }, undefined, REQUEST_OPTS);
	assert.equal(d.isError, true,
	    `delete_users: isError ${d.isError}: ${JSON.stringify(d)}`);
	const dText = textOf('delete_users', d);
	assert.ok(dText.startsWith(DENIED_HEAD) && dText.endsWith(DENIED_TAIL) &&
	    /\nRequired role: [^\n]+\nYour role: [^\n]+\n/.test(dText),
	    `delete_users: not the denial text: ${JSON.stringify(dText)}`);

	assert.deepEqual(sdkErrors, [], 'the SDK saw protocol errors from the server');
	// The SDK's way to end a session: DELETE with Mcp-Session-Id, where the
	// server gave one (a 405 is accepted by the SDK).
	if (transport.sessionId !== undefined)
		await transport.terminateSession();
	await client.close();
	return { server, version, tools: names.length, session: transport.sessionId };
}

// A raw initialize POST, for what the SDK does not show: status and headers.
async function rawInitialize(fetchFn, headers = {}, target = url) {
	return fetchFn(target, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			Accept: 'application/json, text/event-stream',
			...headers,
		},
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
		    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {},
			clientInfo: { name: CLIENT_NAME, version: SDK_VERSION } } }),
	});
}

async function bearer() {
	const token = need('INTEROP_TOKEN');
	const f = makeFetch(false);
	const s = await session(f, { Authorization: `Bearer ${token}` });

	// RFC 6750 allows the query string, the MCP authorization spec forbids
	// it: the token there and nowhere else must not authenticate.
	const q = new URL(url);
	q.searchParams.set('access_token', token);
	const r = await rawInitialize(f, {}, q);
	await r.body?.cancel();
	assert.ok(r.status === 401 || r.status === 400,
	    `token in the query string: HTTP ${r.status}, expected 401 or 400`);
	await f.close();
	return `bearer token: ${s.server.name} ${s.server.version}, protocol ${s.version}, ` +
	    `${s.tools} tools, list_tables allowed, delete_users denied, ` +
	    `query-string token refused (${r.status})`;
}

async function mtls() {
	const f = makeFetch(true);
	const s = await session(f, {});
	await f.close();

	// Without the certificate the server must not serve: either the
	// handshake fails or the request is refused.  Twice, because the
	// second connection resumes the first one's TLS session, and a
	// resumed session that never carried a certificate still reports a
	// good verify result (OpenSSL keeps X509_V_OK when no certificate was
	// sent; Node's TLS server then calls the peer authorized).
	const bare = makeFetch(false);
	const outcomes = [];
	for (let i = 0; i < 2; i++) {
		try {
			const r = await rawInitialize(bare, { Connection: 'close' });
			await r.body?.cancel();
			assert.ok(r.status === 401 || r.status === 403,
			    `no client certificate (connection ${i + 1}): HTTP ${r.status}, ` +
			    'expected a refused handshake, 401 or 403');
			outcomes.push(`HTTP ${r.status}`);
		} catch (e) {
			if (e instanceof assert.AssertionError)
				throw e;
			outcomes.push('handshake refused');
		}
	}
	const outcome = outcomes.join(', ');
	await bare.close();
	return `client certificate: ${s.server.name} ${s.server.version}, ` +
	    `protocol ${s.version}, ${s.tools} tools, list_tables allowed, ` +
	    `delete_users denied; without it: ${outcome}`;
}

function normalized(u) {
	const x = new URL(u);
	return x.href.endsWith('/') && x.pathname !== '/' ? x.href.slice(0, -1) : x.href;
}

function checkMetadata(what, md) {
	const want = process.env.INTEROP_RESOURCE || url.href;
	assert.equal(typeof md?.resource, 'string', `${what}: no resource in ${JSON.stringify(md)}`);
	assert.equal(normalized(md.resource), normalized(want),
	    `${what}: resource ${md.resource}, expected ${want}`);
	assert.ok(Array.isArray(md.authorization_servers) && md.authorization_servers.length > 0,
	    `${what}: authorization_servers ${JSON.stringify(md.authorization_servers)}`);
	if (process.env.INTEROP_AUTH_SERVERS) {
		assert.deepEqual(md.authorization_servers,
		    process.env.INTEROP_AUTH_SERVERS.split(','),
		    `${what}: authorization_servers`);
	} else {
		for (const a of md.authorization_servers)
			assert.equal(new URL(a).protocol, 'https:',
			    `${what}: authorization server ${a} is not https`);
	}
}

async function challenge() {
	const f = makeFetch(false);

	// The SDK itself, with no credentials: connect must fail on the 401.
	const transport = new StreamableHTTPClientTransport(url, { fetch: f });
	const client = new Client({ name: CLIENT_NAME, version: SDK_VERSION },
	    { capabilities: {} });
	let err;
	try {
		await client.connect(transport, REQUEST_OPTS);
	} catch (e) {
		err = e;
	}
	assert.ok(err !== undefined, 'connect without a token succeeded');
	assert.ok(err.code === 401 || /\b401\b|nauthorized/.test(String(err.message)),
	    `connect without a token: ${err.name}: ${err.message}, expected a 401`);
	await client.close().catch(() => {});

	// The challenge, as the SDK's auth code parses it.
	const r = await rawInitialize(f);
	await r.body?.cancel();
	assert.equal(r.status, 401, `no token: HTTP ${r.status}`);
	const www = r.headers.get('www-authenticate') ?? '';
	assert.match(www, /^Bearer\s/i, `no token: WWW-Authenticate ${JSON.stringify(www)}`);
	const params = extractWWWAuthenticateParams(r);
	assert.ok(params.resourceMetadataUrl instanceof URL,
	    `no token: no resource_metadata in ${JSON.stringify(www)}`);
	assert.equal(params.resourceMetadataUrl.origin, url.origin,
	    `resource_metadata ${params.resourceMetadataUrl} is not on ${url.origin}`);

	// A token that is not one: 401 invalid_token (RFC 6750 section 3.1).
	const b = await rawInitialize(f, { Authorization: 'Bearer not.a.token' });
	await b.body?.cancel();
	assert.equal(b.status, 401, `bad token: HTTP ${b.status}`);
	const bp = extractWWWAuthenticateParams(b);
	assert.equal(bp.error, 'invalid_token',
	    `bad token: WWW-Authenticate ${JSON.stringify(b.headers.get('www-authenticate'))}`);
	assert.equal(bp.resourceMetadataUrl?.href, params.resourceMetadataUrl.href,
	    'bad token: resource_metadata differs from the first challenge');

	// The metadata the SDK's discovery reads, then both well-known paths
	// (RFC 9728: inserted before the endpoint's path, and at the root).
	const md = await discoverOAuthProtectedResourceMetadata(url,
	    { resourceMetadataUrl: params.resourceMetadataUrl }, f);
	checkMetadata(`metadata at ${params.resourceMetadataUrl}`, md);
	const wk = [
		new URL(`/.well-known/oauth-protected-resource${url.pathname.replace(/\/$/, '')}`, url),
		new URL('/.well-known/oauth-protected-resource', url),
	];
	for (const w of wk) {
		const m = await f(w, { headers: { Accept: 'application/json' } });
		assert.equal(m.status, 200, `GET ${w}: HTTP ${m.status}`);
		assert.match(m.headers.get('content-type') ?? '', /^application\/json/,
		    `GET ${w}: Content-Type ${m.headers.get('content-type')}`);
		checkMetadata(`GET ${w}`, await m.json());
	}
	await f.close();
	return `challenge: 401 with resource_metadata=${params.resourceMetadataUrl}` +
	    (params.scope ? ` scope="${params.scope}"` : '') +
	    `, bad token invalid_token, metadata resource ${md.resource}, ` +
	    `authorization_servers ${md.authorization_servers.join(' ')}`;
}

try {
	const started = Date.now();
	const what = await { bearer, mtls, challenge }[mode]();
	clearTimeout(watchdog);
	console.log(`ok interop-http: @modelcontextprotocol/sdk ${SDK_VERSION} ` +
	    `${what}, ${Date.now() - started} ms`);
	process.exit(0);
} catch (e) {
	// An SDK or fetch error: its message, the HTTP status the SDK puts in
	// `code`, and the cause (a TLS error sits there), not only a stack.
	const more = e instanceof assert.AssertionError ? '' :
	    (e?.code !== undefined ? ` (code ${e.code})` : '') +
	    (e?.cause ? ` (cause: ${e.cause.code ?? ''} ${e.cause.message ?? e.cause})` : '');
	console.error(`FAIL: interop-http ${mode}: ` +
	    (e instanceof assert.AssertionError ? e.message : `${e?.name}: ${e?.message}`) + more);
	process.exit(1);
}
