// The peer of "make bench": an MCP server written with the official
// TypeScript SDK (@modelcontextprotocol/sdk, pinned in package-lock.json)
// that runs the same pipeline as mcpd, so that the two can be compared
// row by row (tests/bench/compare.sh):
//
//   authenticate   a bearer JWT, RS256 only, verified with jose against a
//                  JWKS file (signature, exp, iss, aud), on every request;
//                  identity = sub, roles = the token's "roles" array
//   rate-limit     a token bucket per user (--rate N per minute)
//   authorize      the roles against the same policy as the bench's
//                  mcpd.conf (default deny; a denial is the ACCESS DENIED
//                  tool result)
//   audit          one JSON line per decision and one per outcome,
//                  written (write(2), O_APPEND) before the result is
//                  released, fdatasync every 64 records and at least once
//                  a second: mcpd's "AuditSync batch"
//   execute        list_tables and query over the same SQLite file with
//                  better-sqlite3, opened read-only, query_only, one
//                  read-only statement, at most 1000 rows
//
// It runs in the SDK's fastest configuration: Streamable HTTP in stateful
// mode (one transport and McpServer per session; the SDK's stateless mode
// builds both per request) with JSON responses instead of event streams,
// on node:http without a framework.  It has no TLS (the bench says so).
//
// usage: node server.mjs --jwks FILE --iss ISS --aud AUD --db FILE
//            --audit FILE [--rate N] (--listen HOST:PORT ... | --stdio)
//
// Over stdio the token comes from the environment variable MCPD_TOKEN,
// read once and removed from the environment, and is verified on every
// call, as mcpd does with its own.  A benchmark subject, not a product:
// it logs nothing but its audit lines, and prints "listening" lines to
// stderr when ready.

import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync }
    from 'node:fs';
import http from 'node:http';
import process from 'node:process';

import Database from 'better-sqlite3';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport }
    from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

// The limits mcpd applies by default, so that neither side does less.
const TOKEN_MAX = 8192;			// JWT_MAX
const BODY_MAX = 1048576;		// MaxMessageSize
const MAX_ROWS = 1000;			// QueryMaxRows
const SQL_MAX = 100000;			// characters of a query's SQL
const SESSIONS_MAX = 4096;
const AUDIT_BATCH = 64;			// AuditSync batch: records per flush

// The policy of the bench's mcpd.conf ("Role" lines).
const POLICY = {
	developer: ['query', 'list_tables', 'describe_table', 'execute_sql'],
	viewer: ['list_tables', 'describe_table', 'query'],
};

function usage(msg) {
	console.error(`peer: ${msg}`);
	console.error('usage: node server.mjs --jwks FILE --iss ISS --aud AUD ' +
	    '--db FILE --audit FILE [--rate N] (--listen HOST:PORT ... | --stdio)');
	process.exit(2);
}

function parseArgs(argv) {
	const o = { listen: [], rate: 100, stdio: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--stdio') {
			o.stdio = true;
			continue;
		}
		if (i + 1 >= argv.length)
			usage(`${a} needs a value`);
		const v = argv[++i];
		switch (a) {
		case '--listen': o.listen.push(v); break;
		case '--jwks': o.jwks = v; break;
		case '--iss': o.iss = v; break;
		case '--aud': o.aud = v; break;
		case '--db': o.db = v; break;
		case '--audit': o.audit = v; break;
		case '--rate':
			o.rate = Number(v);
			if (!Number.isSafeInteger(o.rate) || o.rate < 1)
				usage(`bad --rate ${v}`);
			break;
		default: usage(`unknown option ${a}`);
		}
	}
	for (const k of ['jwks', 'iss', 'aud', 'db', 'audit'])
		if (o[k] === undefined)
			usage(`--${k} is required`);
	if (o.stdio === (o.listen.length > 0))
		usage('give either --stdio or --listen');
	return o;
}

const opt = parseArgs(process.argv.slice(2));

// ---- audit ----

// Records go out with one write each, so that a record is in the file
// (if not yet on disk) before the answer it records; a failed write
// throws, and the caller refuses the call (fail closed).
const audit = {
	fd: openSync(opt.audit, 'a', 0o600),
	unsynced: 0,
	write(rec) {
		// ts, event and decision first, as in mcpd's records.
		writeSync(this.fd, JSON.stringify({ ts: new Date().toISOString(),
		    event: rec.event, decision: rec.decision, ...rec }) + '\n');
		if (++this.unsynced >= AUDIT_BATCH)
			this.sync();
	},
	sync() {
		if (this.unsynced > 0) {
			this.unsynced = 0;
			fdatasyncSync(this.fd);
		}
	},
};
setInterval(() => audit.sync(), 1000).unref();

// ---- authentication ----

const JWKS = createLocalJWKSet(JSON.parse(readFileSync(opt.jwks, 'utf8')));

class AuthError extends Error {}

// A verified token's identity as the SDK's AuthInfo (extra.authInfo).
async function verifyToken(token) {
	if (token.length > TOKEN_MAX)
		throw new AuthError('token too long');
	let payload;
	try {
		({ payload } = await jwtVerify(token, JWKS, {
			algorithms: ['RS256'],
			issuer: opt.iss,
			audience: opt.aud,
			requiredClaims: ['exp', 'sub'],
		}));
	} catch (e) {
		throw new AuthError(e.code ?? 'invalid token');
	}
	const roles = Array.isArray(payload.roles) ?
	    payload.roles.filter((r) => typeof r === 'string') : [];
	return { token, clientId: payload.sub, scopes: roles,
	    expiresAt: payload.exp, extra: { sub: payload.sub, roles } };
}

function fingerprint(token) {
	return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

// ---- rate limit: a token bucket per user ----

const buckets = new Map();

function rateTake(user) {
	const now = Date.now();
	let b = buckets.get(user);
	if (b === undefined) {
		b = { tokens: opt.rate, t: now };
		buckets.set(user, b);
	}
	b.tokens = Math.min(opt.rate, b.tokens + (now - b.t) * opt.rate / 60000);
	b.t = now;
	if (b.tokens < 1)
		return false;
	b.tokens -= 1;
	return true;
}

// ---- the tools ----

const db = new Database(opt.db, { readonly: true, fileMustExist: true });
db.pragma('query_only = ON');
const listStmt = db.prepare("SELECT name FROM main.sqlite_schema WHERE " +
    "type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck();

function toolListTables() {
	return JSON.stringify({ tables: listStmt.all() });
}

// A client's SQL: one statement (better-sqlite3 refuses more), read-only
// by SQLite's own judgement, on a read-only, query_only connection.
function toolQuery(sql) {
	let st;
	try {
		st = db.prepare(sql);
	} catch {
		return { error: 'SQL error' };
	}
	if (!st.reader || !st.readonly)
		return { error: 'query rejected: only read-only statements are allowed' };
	st.raw(true);
	const rows = [];
	let truncated = false;
	try {
		for (const row of st.iterate()) {
			if (rows.length >= MAX_ROWS) {
				truncated = true;
				break;
			}
			rows.push(row);
		}
	} catch {
		return { error: 'SQL error' };
	}
	const text = JSON.stringify({ columns: st.columns().map((c) => c.name),
	    rows, row_count: rows.length, truncated });
	if (text.length > BODY_MAX)
		return { error: 'result too large' };
	return { text };
}

const envToken = process.env.MCPD_TOKEN;
delete process.env.MCPD_TOKEN;

function textResult(text, isError) {
	return { content: [{ type: 'text', text }], isError };
}

// Rate-limit, authorize, audit, execute, audit: every tool call.
async function pipeline(server, tool, args, extra, run) {
	const t0 = performance.now();
	const rec = { event: 'tools/call', tool, method: 'oauth',
	    request_id: String(extra.requestId),
	    args_sha256: createHash('sha256').update(JSON.stringify(args ?? {}))
		.digest('hex'),
	    source: extra.authInfo ? extra.authInfo.extra.source : 'stdio',
	    client: server.server.getClientVersion()?.name ?? null };
	let auth = extra.authInfo;
	if (auth === undefined) {
		// stdio: the operator's token from our environment, every call.
		try {
			auth = await verifyToken(envToken ?? '');
		} catch (e) {
			audit.write({ ...rec, decision: 'AUTH_FAILED',
			    reason: e.message });
			return textResult('authentication failed', true);
		}
	}
	const { sub, roles } = auth.extra;
	const required = Object.keys(POLICY).filter((r) =>
	    POLICY[r].includes(tool));
	Object.assign(rec, { user: sub, roles, required,
	    credential: fingerprint(auth.token) });
	if (!rateTake(sub)) {
		audit.write({ ...rec, decision: 'RATE_LIMITED',
		    reason: 'rate limit exceeded' });
		return textResult('rate limit exceeded', true);
	}
	if (!roles.some((r) => Object.hasOwn(POLICY, r) &&
	    POLICY[r].includes(tool))) {
		audit.write({ ...rec, decision: 'DENIED',
		    reason: 'no role permits the tool' });
		return textResult('ACCESS DENIED\n--------------\n' +
		    `Tool: ${tool}\nRequired role: ${required.join(',')}\n` +
		    `Your role: ${roles.join(',')}\n` +
		    'Action: Blocked and logged', true);
	}
	audit.write({ ...rec, decision: 'ALLOWED', reason: 'role permits' });
	const r = run();
	audit.write({ ...rec, event: 'tools/result',
	    decision: r.error === undefined ? 'ALLOWED' : 'ERROR',
	    reason: r.error === undefined ? 'ok' : r.error,
	    duration_ms: Math.round(performance.now() - t0) });
	return r.error === undefined ? textResult(r.text, false) :
	    textResult(r.error, true);
}

function makeServer() {
	const server = new McpServer({ name: 'mcpd-bench-peer',
	    version: '0.0.0' });
	server.registerTool('list_tables', {
		description: 'List the tables of the database',
	}, (extra) => pipeline(server, 'list_tables', {}, extra,
	    () => ({ text: toolListTables() })));
	server.registerTool('query', {
		description: 'Run one read-only SQL statement',
		inputSchema: { sql: z.string().min(1).max(SQL_MAX) },
	}, (args, extra) => pipeline(server, 'query', args, extra,
	    () => toolQuery(args.sql)));
	return server;
}

// ---- transports ----

if (opt.stdio) {
	const server = makeServer();
	await server.connect(new StdioServerTransport());
	console.error('peer: ready on stdio');
} else {
	// Session id -> its transport and the subject it is bound to.
	const sessions = new Map();

	const answer = (res, status, headers, body) => {
		res.writeHead(status, { 'Content-Type': 'application/json',
		    ...headers });
		res.end(JSON.stringify(body));
	};
	const rpcError = (code, message) =>
	    ({ jsonrpc: '2.0', id: null, error: { code, message } });

	const readBody = (req) => new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n > BODY_MAX) {
				reject(new Error('body too large'));
				req.destroy();
			} else
				chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks, n)));
		req.on('error', reject);
	});

	const handle = async (req, res) => {
		if (req.url !== '/mcp')
			return answer(res, 404, {}, rpcError(-32600, 'not found'));
		if (req.method !== 'POST' && req.method !== 'DELETE')
			return answer(res, 405, { Allow: 'POST, DELETE' },
			    rpcError(-32600, 'method not allowed'));
		const source = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
		const h = req.headers.authorization ?? '';
		let auth;
		try {
			if (!h.startsWith('Bearer '))
				throw new AuthError('no bearer token');
			auth = await verifyToken(h.slice(7));
		} catch (e) {
			if (!(e instanceof AuthError))
				throw e;
			audit.write({ event: 'http', decision: 'AUTH_FAILED',
			    method: 'oauth', reason: e.message, source,
			    credential: h.length > 7 ? fingerprint(h.slice(7)) :
			    null });
			return answer(res, 401, { 'WWW-Authenticate':
			    'Bearer error="invalid_token"' },
			    rpcError(-32001, 'unauthorized'));
		}
		auth.extra.source = source;
		req.auth = auth;
		let body;
		try {
			body = req.method === 'POST' ?
			    JSON.parse(await readBody(req)) : undefined;
		} catch {
			return answer(res, 400, {}, rpcError(-32700, 'parse error'));
		}
		const sid = req.headers['mcp-session-id'];
		if (sid !== undefined) {
			const s = sessions.get(sid);
			// A session belongs to the subject that opened it.
			if (s === undefined || s.sub !== auth.extra.sub)
				return answer(res, 404, {},
				    rpcError(-32001, 'session not found'));
			return s.transport.handleRequest(req, res, body);
		}
		if (req.method !== 'POST' || !isInitializeRequest(body))
			return answer(res, 400, {},
			    rpcError(-32600, 'no session'));
		if (sessions.size >= SESSIONS_MAX)
			return answer(res, 503, {}, rpcError(-32000, 'busy'));
		const server = makeServer();
		const transport = new StreamableHTTPServerTransport({
			sessionIdGenerator: () => randomUUID(),
			enableJsonResponse: true,
			onsessioninitialized: (id) => sessions.set(id,
			    { transport, sub: auth.extra.sub }),
		});
		transport.onclose = () => {
			if (transport.sessionId !== undefined)
				sessions.delete(transport.sessionId);
		};
		await server.connect(transport);
		audit.write({ event: 'initialize', decision: 'ALLOWED',
		    method: 'oauth', user: auth.extra.sub, source,
		    reason: `protocol version ${body.params.protocolVersion}` });
		return transport.handleRequest(req, res, body);
	};

	const onRequest = (req, res) => {
		handle(req, res).catch((e) => {
			// An audit write that failed lands here: refuse.
			console.error(`peer: ${e.message}`);
			if (!res.headersSent)
				answer(res, 500, {}, rpcError(-32603, 'internal error'));
			else
				res.destroy();
		});
	};

	for (const l of opt.listen) {
		const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(l);
		if (m === null)
			usage(`bad --listen ${l}`);
		const srv = http.createServer({ maxHeaderSize: 16384,
		    requestTimeout: 30000, headersTimeout: 10000,
		    keepAliveTimeout: 60000 }, onRequest);
		srv.maxConnections = 1024;
		await new Promise((resolve, reject) => {
			srv.once('error', reject);
			srv.listen(Number(m[2]), m[1], resolve);
		});
		console.error(`peer: listening on ${l}`);
	}
}

process.on('SIGTERM', () => {
	audit.sync();
	closeSync(audit.fd);
	process.exit(0);
});
