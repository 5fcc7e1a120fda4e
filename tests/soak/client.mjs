// The load and the faults of "make soak" (tests/soak/soak.sh), in one
// node process with nothing but node's own modules: several kinds of
// client speak HTTP/1.1 over TLS to a running mcpd, while the same event
// loop kills workers, rotates the JWKS keys with SIGHUP, rotates the audit
// log with SIGUSR1, and samples the memory and descriptors of every mcpd
// process.
//
// The HTTP client is written here, on tls.connect, rather than taken from
// node's http module, because the soak must see exactly what came back:
// one answer per request, no byte more, and a connection that the server
// cut is an outcome to record, not a retry to make quietly.
//
// usage: node client.mjs CONFIG.json
// Writes, in the config's out directory: results.tsv (one line per
// request: id, class, form, status, outcome, source address, seconds),
// slow.tsv (one line per slow connection), and summary.json (counters,
// the faults injected, the resource samples).  Exits 0 once everything
// is written; the verdicts are tests/soak/check.mjs's.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const TLSCTX = tls.createSecureContext({ ca: fs.readFileSync(cfg.ca) });
const HOST = '127.0.0.1';
const T0 = Date.now();
const DEADLINE = T0 + cfg.seconds * 1000;
const REQ_TIMEOUT_MS = cfg.requestTimeout * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => (Date.now() - T0) / 1000;
const running = () => Date.now() < DEADLINE;
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const jitter = (s) => s * 1000 * (0.5 + Math.random());

// ---- results ----------------------------------------------------------

const out = fs.openSync(`${cfg.out}/results.tsv`, 'w');
const slowOut = fs.openSync(`${cfg.out}/slow.tsv`, 'w');
let pendingLines = [];
const counts = { sent: 0, answered: 0, noanswer: 0 };
const problems = [];	// client-side protocol problems, with context

function flush() {
	if (pendingLines.length > 0) {
		fs.writeSync(out, pendingLines.join(''));
		pendingLines = [];
	}
}

// One line per request: every request sent is recorded exactly once.
function record(id, cls, form, status, outcome, src, secs) {
	pendingLines.push(`${id}\t${cls}\t${form}\t${status}\t${outcome}\t` +
	    `${src}\t${secs.toFixed(3)}\n`);
	if (pendingLines.length >= 2000)
		flush();
}

function problem(what) {
	if (problems.length < 200)
		problems.push(`${now().toFixed(1)}s ${what}`);
}

// ---- tokens and key generations -----------------------------------------

const b64 = (s) => Buffer.from(s).toString('base64url');
const SUBJECTS = [];
for (let i = 0; i < cfg.subjects; i++)
	SUBJECTS.push(`u${String(i).padStart(4, '0')}@example.com`);
const BURST_SUB = 'burst@example.com';

function mint(g, claims, head) {
	const now_s = Math.floor(Date.now() / 1000);
	const h = b64(JSON.stringify(head ?? { alg: 'ES256', typ: 'at+jwt',
	    kid: g.kid }));
	const p = b64(JSON.stringify({ iss: cfg.iss, aud: cfg.aud,
	    iat: now_s, exp: now_s + 3600, roles: ['developer', 'viewer'],
	    jti: randomBytes(8).toString('hex'), ...claims }));
	const input = `${h}.${p}`;
	const sig = sign('sha256', Buffer.from(input),
	    { key: g.priv, dsaEncoding: 'ieee-p1363' }).toString('base64url');
	return `${input}.${sig}`;
}

// A generation: one signing key, published under its own kid, and every
// token the clients use while it is current.  inflight counts requests
// that carry one of its tokens, so that its key is withdrawn only once
// none is left.
const stranger = { kid: 'stranger', ...newKey() };
function newKey() {
	const { privateKey, publicKey } = generateKeyPairSync('ec',
	    { namedCurve: 'P-256' });
	return { priv: privateKey, pub: publicKey.export({ type: 'spki',
	    format: 'pem' }) };
}

let genSeq = 0;
function newGeneration() {
	const g = { n: genSeq, kid: `soak${genSeq}`, inflight: 0, ...newKey() };
	genSeq++;
	fs.writeFileSync(`${cfg.dir}/${g.kid}.pub`, g.pub, { mode: 0o644 });
	g.tokens = new Map();
	for (const s of SUBJECTS)
		g.tokens.set(s, mint(g, { sub: s }));
	g.tokens.set(BURST_SUB, mint(g, { sub: BURST_SUB }));
	const past = Math.floor(Date.now() / 1000) - 600;
	g.expired = [];
	for (let i = 0; i < 16; i++)
		g.expired.push(mint(g, { sub: pick(SUBJECTS), iat: past - 60,
		    exp: past + i }));
	const good = mint(g, { sub: 'mallory@example.com' });
	const [gh, gp, gs] = good.split('.');
	// Tokens that must fail, each for its own reason (mcpd.conf(5),
	// "Reasons"); all are answered 401.
	g.bad = {
		garbage: 'not-a-token',
		parts: `${gh}.${gp}`,
		badsig: `${gh}.${gp}.${gs.slice(0, 20)}${gs[20] === 'A' ?
		    'B' : 'A'}${gs.slice(21)}`,
		unknownkid: mint(stranger, { sub: 'mallory@example.com' }),
		algnone: `${b64(JSON.stringify({ alg: 'none', kid: g.kid }))}` +
		    `.${gp}.`,
		hs256: `${b64(JSON.stringify({ alg: 'HS256', kid: g.kid }))}` +
		    `.${gp}.${gs}`,
		wrongiss: mint(g, { sub: 'mallory@example.com',
		    iss: 'https://evil.example' }),
		wrongaud: mint(g, { sub: 'mallory@example.com',
		    aud: 'https://elsewhere.example/mcp' }),
		apikey: `mcpk_soaktest_${randomBytes(32).toString('base64url')}`,
		none: null,
	};
	// A sample of them, for the search of the outputs (soak.sh).
	const sample = [...g.tokens.values()].slice(0, 8);
	sample.push(g.tokens.get(BURST_SUB), ...g.expired.slice(0, 4),
	    ...Object.values(g.bad).filter((t) => t !== null &&
	    t.length > 40));
	fs.appendFileSync(`${cfg.out}/tokens.in`, sample.join('\n') + '\n',
	    { mode: 0o600 });
	return g;
}

let cur = newGeneration();
const published = [cur];	// the keys in the JWKSFile

function writeJwks(gens) {
	const args = [];
	for (const g of gens)
		args.push('--kid', g.kid, '--alg', 'ES256');
	for (const g of gens)
		args.push(`${cfg.dir}/${g.kid}.pub`);
	const r = spawnSync(cfg.mcpctl, ['jwks', ...args]);
	if (r.status !== 0)
		throw new Error(`mcpctl jwks: ${r.stderr}`);
	fs.writeFileSync(`${cfg.jwks}.new`, r.stdout, { mode: 0o644 });
	fs.renameSync(`${cfg.jwks}.new`, cfg.jwks);
}
writeJwks(published);	// replaces the one soak.sh made to start with

// ---- a minimal HTTP/1.1 client over TLS ---------------------------------

class Conn {
	constructor(local) {
		this.local = local ?? '127.0.0.1';
		this.sock = null;
		this.buf = Buffer.alloc(0);
		this.pending = null;
		this.dead = false;
		this.lastUsed = Date.now();
	}

	open() {
		return new Promise((resolve, reject) => {
			const s = tls.connect({ host: HOST, port: cfg.port,
			    secureContext: TLSCTX, localAddress: this.local });
			this.sock = s;
			let up = false;
			s.setNoDelay(true);
			s.once('secureConnect', () => { up = true; resolve(); });
			s.on('data', (d) => this.onData(d));
			s.on('error', (e) => {
				this.err = e.code ?? e.message;
				if (!up)
					reject(e);
			});
			s.on('close', () => {
				this.dead = true;
				if (!up)
					reject(new Error('closed in handshake'));
				this.fail('closed');
			});
		});
	}

	fail(why) {
		const p = this.pending;
		if (p === null)
			return;
		this.pending = null;
		clearTimeout(p.timer);
		p.reject(new Error(why));
	}

	onData(d) {
		if (this.pending === null) {
			// Bytes nobody asked for: a second answer.
			problem(`unsolicited ${d.length} bytes: ` +
			    JSON.stringify(d.subarray(0, 60).toString('latin1')));
			this.extra = true;
			return;
		}
		this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
		const end = this.buf.indexOf('\r\n\r\n');
		if (end < 0)
			return;
		const head = this.buf.subarray(0, end).toString('latin1')
		    .split('\r\n');
		const m = /^HTTP\/1\.1 (\d{3}) /.exec(head[0]);
		const headers = {};
		for (const l of head.slice(1)) {
			const i = l.indexOf(':');
			headers[l.slice(0, i).trim().toLowerCase()] =
			    l.slice(i + 1).trim();
		}
		// 204 has no body, so needs no length (RFC 9110 8.6).
		if (m !== null && m[1] === '204' &&
		    headers['content-length'] === undefined)
			headers['content-length'] = '0';
		if (m === null || headers['transfer-encoding'] !== undefined ||
		    headers['content-length'] === undefined) {
			problem(`unframed answer: ${head[0]}`);
			this.sock.destroy();
			this.fail('unframed');
			return;
		}
		const len = Number(headers['content-length']);
		if (this.buf.length < end + 4 + len)
			return;
		if (this.buf.length > end + 4 + len) {
			problem(`bytes after an answer: ${this.buf.length -
			    end - 4 - len}`);
			this.extra = true;
		}
		const body = this.buf.subarray(end + 4, end + 4 + len);
		this.buf = Buffer.alloc(0);
		const p = this.pending;
		this.pending = null;
		clearTimeout(p.timer);
		if (/close/i.test(headers.connection ?? ''))
			this.dead = true;
		this.lastUsed = Date.now();
		p.resolve({ status: Number(m[1]), headers, body });
	}

	// One request, one answer (or a rejection: closed, timeout).
	request(data) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending = null;
				this.sock.destroy();
				reject(new Error('timeout'));
			}, REQ_TIMEOUT_MS);
			this.pending = { resolve, reject, timer };
			this.sock.write(data);
		});
	}

	close() {
		if (this.sock !== null)
			this.sock.destroy();
		this.dead = true;
	}
}

// A connection ready for a request: a new one if the old one is closed,
// or has been idle for half the server's IdleTimeout (so that a request
// never races the server closing an idle keep-alive connection).
async function ready(c, local) {
	if (c !== null && !c.dead &&
	    Date.now() - c.lastUsed < cfg.idleTimeout * 500)
		return c;
	if (c !== null)
		c.close();
	const n = new Conn(local);
	await n.open();
	return n;
}

function httpRequest({ method = 'POST', token, body, headers = {} }) {
	const b = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
	let h = `${method} /mcp HTTP/1.1\r\nHost: ${HOST}:${cfg.port}\r\n`;
	if (token !== null && token !== undefined)
		h += `Authorization: Bearer ${token}\r\n`;
	if (body !== undefined) {
		h += 'Accept: application/json, text/event-stream\r\n';
		if (headers['Content-Type'] === undefined)
			h += 'Content-Type: application/json\r\n';
	}
	for (const [k, v] of Object.entries(headers))
		h += `${k}: ${v}\r\n`;
	h += `Content-Length: ${b.length}\r\n\r\n`;
	return Buffer.concat([Buffer.from(h, 'latin1'), b]);
}

const META = {
	'io.modelcontextprotocol/protocolVersion': '2026-07-28',
	'io.modelcontextprotocol/clientCapabilities': {},
	'io.modelcontextprotocol/clientInfo': { name: 'soak', version: '1' },
};
let nextId = 1;

// A 2026-07-28 request: body, MCP headers and its id.
function modern(method, params = {}, hdr = {}) {
	const id = nextId++;
	const body = JSON.stringify({ jsonrpc: '2.0', id, method,
	    params: { ...params, _meta: META } });
	const headers = { 'MCP-Protocol-Version': '2026-07-28',
	    'Mcp-Method': method, ...hdr };
	if (method === 'tools/call' && hdr['Mcp-Name'] === undefined)
		headers['Mcp-Name'] = params.name;
	return { id, body, headers };
}

// What an answer says, in one word, for results.tsv and the checker.
function classify(id, r) {
	let j = null;
	if (/application\/json/.test(r.headers['content-type'] ?? '') &&
	    r.body.length > 0) {
		try {
			j = JSON.parse(r.body.toString('utf8'));
		} catch {
			return 'badjson';
		}
	}
	if (r.status === 401) {
		return /^Bearer resource_metadata=/.test(
		    r.headers['www-authenticate'] ?? '') ? 'authfail' :
		    'authfail-nochallenge';
	}
	if (r.status === 429)
		return /^[0-9]+$/.test(r.headers['retry-after'] ?? '') ?
		    'ratelimited' : 'ratelimited-noretry';
	if (r.status === 413)
		return 'toolarge';
	if (r.status === 202 || r.status === 204)
		return r.body.length === 0 ? 'empty' : 'empty-with-body';
	if (j === null)
		return `nojson`;
	if (j.id !== undefined && j.id !== null && j.id !== id)
		return `wrongid`;
	if (j.error !== undefined)
		return `err${j.error.code}`;
	const res = j.result ?? {};
	if (Array.isArray(res.tools))
		return 'list';
	if (res.protocolVersion !== undefined)
		return 'init';
	if (Array.isArray(res.content)) {
		const text = res.content[0]?.text ?? '';
		if (res.isError === false)
			return 'ok';
		if (text.startsWith('ACCESS DENIED'))
			return 'denied';
		if (text === 'tool failed')
			return 'toolfail';
		return 'toolerror';
	}
	if (res.supportedVersions !== undefined)
		return 'discover';
	return Object.keys(res).length === 0 ? 'emptyresult' : 'other';
}

// Send one request on the state's connection (a new one if need be) and
// record its one outcome.  Returns the answer or null (no answer: the
// connection closed, or the time ran out).
async function exchange(state, cls, form, id, data, gen) {
	const t = Date.now();
	counts.sent++;
	if (gen)
		gen.inflight++;
	let r = null;
	try {
		state.conn = await ready(state.conn, state.local);
		r = await state.conn.request(data);
	} catch (e) {
		counts.noanswer++;
		record(id ?? '-', cls, form, 0, `noanswer:${e.message}`,
		    state.local ?? HOST, (Date.now() - t) / 1000);
		problem(`${cls}/${form} id ${id}: no answer (${e.message})`);
		state.conn?.close();
		state.conn = null;
		return null;
	} finally {
		if (gen)
			gen.inflight--;
	}
	counts.answered++;
	const o = classify(id, r);
	record(id ?? '-', cls, form, r.status, o, state.local ?? HOST,
	    (Date.now() - t) / 1000);
	if (state.conn.extra) {
		record('-', cls, form, 0, 'extra-answer', state.local ?? HOST, 0);
		state.conn.extra = false;
	}
	r.outcome = o;
	return r;
}

// ---- the clients ----------------------------------------------------------

const HEAVY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 ' +
    'FROM c WHERE x < 30000) SELECT count(*) AS n FROM c';
const BIG = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 ' +
    'FROM c WHERE x < 1000) SELECT x, printf(\'%.150c\', \'y\') AS pad ' +
    'FROM c';
const CALLS = [
	[40, 'list_tables', {}],
	[25, 'query', { sql: 'SELECT id, name, email FROM users ORDER BY id' }],
	[10, 'describe_table', { table: 'orders' }],
	[10, 'tools/list', null],
	[10, 'query', { sql: HEAVY }],
	[5, 'query', { sql: BIG }],
];
const CALL_WEIGHT = CALLS.reduce((a, c) => a + c[0], 0);
function pickCall() {
	let x = Math.random() * CALL_WEIGHT;
	for (const c of CALLS) {
		if ((x -= c[0]) < 0)
			return c;
	}
	return CALLS[0];
}

// Allowed traffic: stateless calls as one of many subjects, so that no
// subject comes near RateLimit.
async function good(state) {
	while (running()) {
		const [, tool, args] = pickCall();
		const g = cur;
		const tok = g.tokens.get(pick(SUBJECTS));
		const q = tool === 'tools/list' ? modern('tools/list') :
		    modern('tools/call', { name: tool, arguments: args });
		await exchange(state, 'good', tool, q.id,
		    httpRequest({ token: tok, body: q.body,
		    headers: q.headers }), g);
	}
}

// Calls that are refused by policy: a tool no role of the caller permits,
// and a tool that does not exist.
async function denied(state) {
	while (running()) {
		const g = cur;
		const tok = g.tokens.get(pick(SUBJECTS));
		const unknown = Math.random() < 0.3;
		const q = unknown ? modern('tools/call', { name: 'no_such_tool',
		    arguments: {} }) : modern('tools/call', { name: 'drop_table',
		    arguments: { table: 'users' } });
		await exchange(state, 'denied', unknown ? 'unknown' : 'drop_table',
		    q.id, httpRequest({ token: tok, body: q.body,
		    headers: q.headers }), g);
		await sleep(20);
	}
}

// 2025-11-25 sessions: initialize, calls, ping, tools/list, DELETE.
async function session(state) {
	while (running()) {
		const sub = pick(SUBJECTS);
		const V = { 'MCP-Protocol-Version': '2025-11-25' };
		let g = cur;
		let id = nextId++;
		let r = await exchange(state, 'session', 'initialize', id,
		    httpRequest({ token: g.tokens.get(sub), body: JSON.stringify({
		    jsonrpc: '2.0', id, method: 'initialize', params: {
		    protocolVersion: '2025-11-25', capabilities: {},
		    clientInfo: { name: 'soak-session', version: '1' } } }) }), g);
		const sid = r?.headers['mcp-session-id'];
		if (r === null || r.outcome !== 'init' || sid === undefined)
			continue;
		const S = { ...V, 'Mcp-Session-Id': sid };
		g = cur;
		await exchange(state, 'session', 'initialized', null,
		    httpRequest({ token: g.tokens.get(sub), body: JSON.stringify({
		    jsonrpc: '2.0', method: 'notifications/initialized' }),
		    headers: S }), g);
		const n = 3 + Math.floor(Math.random() * 5);
		for (let i = 0; i < n && running(); i++) {
			const [, tool, args] = pickCall();
			g = cur;
			id = nextId++;
			const body = tool === 'tools/list' ?
			    { jsonrpc: '2.0', id, method: 'tools/list' } :
			    { jsonrpc: '2.0', id, method: 'tools/call',
			    params: { name: tool, arguments: args } };
			await exchange(state, 'session', tool, id,
			    httpRequest({ token: g.tokens.get(sub),
			    body: JSON.stringify(body), headers: S }), g);
		}
		g = cur;
		id = nextId++;
		await exchange(state, 'session', 'ping', id,
		    httpRequest({ token: g.tokens.get(sub), body: JSON.stringify(
		    { jsonrpc: '2.0', id, method: 'ping' }), headers: S }), g);
		g = cur;
		await exchange(state, 'session', 'delete', null,
		    httpRequest({ method: 'DELETE', token: g.tokens.get(sub),
		    headers: S }), g);
	}
}

// Bad and expired tokens from a source of their own, slowly enough to
// stay under AuthFailureLimit: every one is a 401.
async function badTokens(state, cls) {
	while (running()) {
		const g = cur;
		let form, tok;
		if (cls === 'expired') {
			form = 'expired';
			tok = pick(g.expired);
		} else {
			form = pick(Object.keys(g.bad));
			tok = g.bad[form];
		}
		const q = modern('tools/call', { name: 'list_tables',
		    arguments: {} });
		await exchange(state, cls, form, q.id, httpRequest({ token: tok,
		    body: q.body, headers: q.headers }), g);
		await sleep(1000 / cfg.badRate);
	}
}

// A flood of bad tokens from one more source, in bursts: the first ones
// are checked and fail (401), then AuthFailureLimit refuses the source
// before any check (429).
async function flood(state) {
	const lanes = [];
	for (let i = 0; i < cfg.floodLanes; i++) {
		const lane = { conn: null, local: state.local };
		state.lanes.push(lane);
		lanes.push(lane);
	}
	while (running()) {
		const end = Date.now() + cfg.floodSeconds * 1000;
		await Promise.all(lanes.map(async (lane) => {
			while (running() && Date.now() < end) {
				const g = cur;
				const form = pick(Object.keys(g.bad));
				const q = modern('tools/call', {
				    name: 'list_tables', arguments: {} });
				await exchange(lane, 'flood', form, q.id,
				    httpRequest({ token: g.bad[form],
				    body: q.body, headers: q.headers }), g);
			}
		}));
		await sleep(jitter(cfg.floodEvery));
	}
}

// Malformed requests with a good token: each form has its one answer,
// and none of them reaches the monitor's pipeline.
const MALFORMED = {
	notjson: () => ({ id: null, body: '{"jsonrpc":"2.0","id":1,' }),
	array: () => ({ id: null, body: '[]' }),
	noversion: () => {
		const id = nextId++;
		return { id, body: JSON.stringify({ id, method: 'ping' }) };
	},
	nomethod: () => {
		const id = nextId++;
		return { id, body: JSON.stringify({ jsonrpc: '2.0', id }),
		    headers: { 'MCP-Protocol-Version': '2026-07-28' } };
	},
	badargs: () => {
		const q = modern('tools/call', { name: 'query',
		    arguments: { sql: 5 } });
		return q;
	},
	extraarg: () => modern('tools/call', { name: 'list_tables',
	    arguments: { evil: true } }),
	mismatch: () => modern('tools/call', { name: 'list_tables',
	    arguments: {} }, { 'Mcp-Name': 'drop_table' }),
	badversion: () => {
		const id = nextId++;
		return { id, body: JSON.stringify({ jsonrpc: '2.0', id,
		    method: 'tools/call', params: { name: 'list_tables',
		    arguments: {}, _meta: { ...META,
		    'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }),
		    headers: { 'MCP-Protocol-Version': '2099-01-01',
		    'Mcp-Method': 'tools/call', 'Mcp-Name': 'list_tables' } };
	},
	contenttype: () => {
		const q = modern('tools/call', { name: 'list_tables',
		    arguments: {} });
		q.headers['Content-Type'] = 'text/plain';
		return q;
	},
	deep: () => ({ id: null, body: '['.repeat(20000) +
	    ']'.repeat(20000) }),
	badutf8: () => ({ id: null, body: Buffer.concat([
	    Buffer.from('{"jsonrpc":"2.0","id":7,"method":"'),
	    Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]) }),
	nosession: () => {
		const id = nextId++;
		return { id, body: JSON.stringify({ jsonrpc: '2.0', id,
		    method: 'tools/call', params: { name: 'list_tables',
		    arguments: {} } }),
		    headers: { 'MCP-Protocol-Version': '2025-11-25' } };
	},
};
async function malformed(state) {
	const forms = Object.keys(MALFORMED);
	while (running()) {
		const form = pick(forms);
		const q = MALFORMED[form]();
		const g = cur;
		await exchange(state, 'malformed', form, q.id,
		    httpRequest({ token: g.tokens.get(pick(SUBJECTS)),
		    body: q.body, headers: q.headers ?? {} }), g);
		await sleep(20);
	}
}

// Bodies over MaxMessageSize: 413, and the server closes the connection.
async function oversize(state) {
	while (running()) {
		const g = cur;
		const q = modern('tools/call', { name: 'query', arguments: {
		    sql: 'SELECT 1 -- ' + 'x'.repeat(cfg.maxMessage +
		    Math.floor(Math.random() * 3 * cfg.maxMessage)) } });
		await exchange(state, 'oversize', 'body', q.id,
		    httpRequest({ token: g.tokens.get(pick(SUBJECTS)),
		    body: q.body, headers: q.headers }), g);
		await sleep(100);
	}
}

// Bursts from one subject, well past its RateLimit: 200 while its bucket
// lasts, then 429 with Retry-After.
async function burst(state) {
	const lanes = [];
	for (let i = 0; i < cfg.burstLanes; i++) {
		const lane = { conn: null, local: undefined };
		state.lanes.push(lane);
		lanes.push(lane);
	}
	while (running()) {
		let left = cfg.burstSize;
		await Promise.all(lanes.map(async (lane) => {
			while (running() && left-- > 0) {
				const g = cur;
				const q = modern('tools/call', {
				    name: 'list_tables', arguments: {} });
				await exchange(lane, 'burst', 'list_tables',
				    q.id, httpRequest({
				    token: g.tokens.get(BURST_SUB),
				    body: q.body, headers: q.headers }), g);
			}
		}));
		await sleep(jitter(cfg.burstEvery));
	}
}

// A slow reader: a large result, read a little at a time.
async function slowReader(state) {
	while (running()) {
		const g = cur;
		const q = modern('tools/call', { name: 'query',
		    arguments: { sql: BIG } });
		state.conn = await ready(state.conn, state.local)
		    .catch(() => null);
		if (state.conn === null) {
			await sleep(100);
			continue;
		}
		const s = state.conn.sock;
		// Pause reading for most of the time while the answer comes.
		let on = true;
		const iv = setInterval(() => {
			if (on)
				s.pause();
			else
				s.resume();
			on = !on;
		}, 300);
		await exchange(state, 'slowread', 'big', q.id,
		    httpRequest({ token: g.tokens.get(pick(SUBJECTS)),
		    body: q.body, headers: q.headers }), g);
		clearInterval(iv);
		s.resume();
	}
}

// Slow writers (slowloris), in the headers or in the body, and clients
// that hold a connection without a word (TLS done, or not even begun):
// the server must cut each of them, within ClientTimeout or IdleTimeout.
const slowCounts = {};
function slowRecord(kind, outcome, secs) {
	slowCounts[`${kind} ${outcome}`] = (slowCounts[`${kind} ${outcome}`] ??
	    0) + 1;
	fs.writeSync(slowOut, `${kind}\t${outcome}\t${secs.toFixed(2)}\t` +
	    `${(now() - secs).toFixed(1)}\n`);
}

function waitClosed(sock, boundMs) {
	return new Promise((resolve) => {
		const t = Date.now();
		if (sock.destroyed || sock.readyState === 'closed') {
			resolve(0);
			return;
		}
		const timer = setTimeout(() => resolve(null), boundMs);
		sock.once('close', () => {
			clearTimeout(timer);
			resolve((Date.now() - t) / 1000);
		});
	});
}

async function slowloris(where) {
	while (running()) {
		const g = cur;
		const q = modern('tools/call', { name: 'list_tables',
		    arguments: {} });
		const data = httpRequest({ token: g.tokens.get(pick(SUBJECTS)),
		    body: q.body, headers: q.headers });
		const c = new Conn();
		try {
			await c.open();
		} catch {
			slowRecord(`slowloris-${where}`, 'noconnect', 0);
			await sleep(500);
			continue;
		}
		let got = null;
		c.pending = { resolve: (r) => { got = r; }, reject: () => {},
		    timer: null };
		const start = Date.now();
		const split = where === 'headers' ? 10 :
		    data.indexOf('\r\n\r\n') + 4;
		c.sock.write(data.subarray(0, split));
		let i = split;
		const bound = (cfg.clientTimeout + 10) * 1000;
		while (!c.dead && i < data.length && got === null &&
		    Date.now() - start < bound && running()) {
			await sleep(500);
			if (!c.dead)
				c.sock.write(data.subarray(i, ++i));
		}
		const secs = (Date.now() - start) / 1000;
		if (got !== null)
			slowRecord(`slowloris-${where}`, `answered-${got.status}`,
			    secs);
		else if (c.dead)
			slowRecord(`slowloris-${where}`, 'cut', secs);
		else if (!running())
			slowRecord(`slowloris-${where}`, 'run-ended', secs);
		else
			slowRecord(`slowloris-${where}`, 'not-cut', secs);
		c.close();
	}
}

async function idleHolder(tlsToo) {
	while (running()) {
		const start = Date.now();
		let sock;
		if (tlsToo) {
			const c = new Conn();
			try {
				await c.open();
			} catch {
				slowRecord('idle-tls', 'noconnect', 0);
				await sleep(500);
				continue;
			}
			sock = c.sock;
		} else {
			sock = net.connect({ host: HOST, port: cfg.port });
			sock.on('error', () => {});
		}
		const bound = (cfg.idleTimeout + 10) * 1000;
		const t = await waitClosed(sock, Math.min(bound,
		    DEADLINE - Date.now()));
		const kind = tlsToo ? 'idle-tls' : 'idle-tcp';
		slowRecord(kind, t !== null ? 'cut' : Date.now() - start < bound ?
		    'run-ended' : 'not-cut', (Date.now() - start) / 1000);
		sock.destroy();
	}
}

// ---- faults ---------------------------------------------------------------

const faults = { kills: [], hups: [], rotations: [], usr1: [],
    errors: [] };

// The monitor's children of a kind ("net", "worker"), by their titles.
function children(kind) {
	const m = cfg.monitorPid;
	let pids;
	try {
		pids = fs.readFileSync(`/proc/${m}/task/${m}/children`, 'utf8')
		    .split(' ').filter((p) => p !== '').map(Number);
	} catch {
		return [];
	}
	return pids.filter((p) => {
		try {
			return fs.readFileSync(`/proc/${p}/cmdline`, 'latin1')
			    .startsWith(`mcpd: ${kind}`);
		} catch {
			return false;
		}
	});
}

function confined(pid) {
	try {
		return /^Seccomp:\s*2$/m.test(fs.readFileSync(`/proc/${pid}/status`,
		    'utf8'));
	} catch {
		return false;
	}
}

// kill -9 a worker at random (one that is up and confined: one killed
// while it starts counts towards the monitor's give-up-on-start limit).
async function killer() {
	await sleep(2000);
	while (running()) {
		const ws = children('worker').filter(confined);
		if (ws.length > 0) {
			const pid = pick(ws);
			try {
				process.kill(pid, 'SIGKILL');
				faults.kills.push({ t: now(), pid });
			} catch (e) {
				faults.errors.push(`kill ${pid}: ${e.code}`);
			}
		}
		await sleep(jitter(cfg.killEvery));
	}
}

// Lines of the monitor's log seen so far, counted by a pattern.
let errOffset = 0;
const errSeen = { reloaded: 0, failed: 0 };
function scanErr() {
	const fd = fs.openSync(cfg.errLog, 'r');
	const st = fs.fstatSync(fd);
	if (st.size > errOffset) {
		const b = Buffer.alloc(st.size - errOffset);
		fs.readSync(fd, b, 0, b.length, errOffset);
		const text = b.toString('latin1');
		const last = text.lastIndexOf('\n');
		if (last >= 0) {
			const lines = text.slice(0, last);
			errSeen.reloaded += (lines.match(
			    /configuration reloaded/g) ?? []).length;
			errSeen.failed += (lines.match(/reload failed/g) ??
			    []).length;
			errOffset += Buffer.byteLength(text.slice(0, last + 1),
			    'latin1');
		}
	}
	fs.closeSync(fd);
}

async function hup(why) {
	scanErr();
	const before = errSeen.reloaded + errSeen.failed;
	const t = now();
	process.kill(cfg.monitorPid, 'SIGHUP');
	for (let i = 0; i < 500; i++) {
		await sleep(20);
		scanErr();
		if (errSeen.reloaded + errSeen.failed > before) {
			faults.hups.push({ t, why, secs: now() - t });
			return;
		}
	}
	faults.hups.push({ t, why, secs: null });
	faults.errors.push(`SIGHUP at ${t.toFixed(1)}s (${why}): no reload ` +
	    'logged within 10s');
}

// Key rotation without downtime: publish the new key beside the old one,
// reload, move the clients to it, wait until no request with an old token
// is in flight, withdraw the old key, reload.
async function rotateKeys() {
	await sleep(jitter(cfg.rotateEvery));
	while (running()) {
		const old = cur;
		const g = newGeneration();
		const t = now();
		published.push(g);
		writeJwks(published);
		await hup(`add ${g.kid}`);
		cur = g;
		for (let i = 0; i < 3000 && old.inflight > 0; i++)
			await sleep(10);
		if (old.inflight > 0)
			faults.errors.push(`${old.inflight} requests with ` +
			    `${old.kid} tokens still in flight after 30s`);
		published.splice(published.indexOf(old), 1);
		writeJwks(published);
		await hup(`remove ${old.kid}`);
		fs.rmSync(`${cfg.dir}/${old.kid}.pub`, { force: true });
		faults.rotations.push({ t, from: old.kid, to: g.kid,
		    secs: now() - t });
		await sleep(jitter(cfg.rotateEvery));
	}
}

// logrotate: move the audit log aside, SIGUSR1, and see a new one begun.
let auditFiles = 0;
async function rotateAudit() {
	await sleep(jitter(cfg.usr1Every));
	while (running()) {
		const n = ++auditFiles;
		const t = now();
		fs.renameSync(cfg.auditLog, `${cfg.auditLog}.${n}`);
		process.kill(cfg.monitorPid, 'SIGUSR1');
		let ok = false;
		for (let i = 0; i < 500 && !ok; i++) {
			await sleep(20);
			ok = fs.existsSync(cfg.auditLog);
		}
		faults.usr1.push({ t, file: `${cfg.auditLog}.${n}`,
		    reopened: ok, secs: now() - t });
		if (!ok)
			faults.errors.push(`SIGUSR1 at ${t.toFixed(1)}s: no new ` +
			    'audit log within 10s');
		await sleep(jitter(cfg.usr1Every));
	}
}

// ---- resource samples -------------------------------------------------------

function procInfo(pid) {
	try {
		const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = Number(/^VmRSS:\s*(\d+)/m.exec(st)?.[1]);
		const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
		// utime + stime, in clock ticks: fields 14 and 15 of stat,
		// counted after the command, which ends at the last ')'.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
		const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// Its age, from starttime (field 22) and the uptime.
		const up = Number(fs.readFileSync('/proc/uptime', 'latin1')
		    .split(' ')[0]);
		const age = up - Number(f[19]) / cfg.clkTck;
		return { pid, rss, fds, cpu: Number(f[11]) + Number(f[12]),
		    age: Number(age.toFixed(1)) };
	} catch {
		return null;
	}
}

function sample() {
	const s = { t: Number(now().toFixed(2)), monitor: procInfo(cfg.monitorPid),
	    net: null, workers: [] };
	const nets = children('net');
	if (nets.length === 1)
		s.net = procInfo(nets[0]);
	for (const p of children('worker')) {
		const w = procInfo(p);
		if (w !== null)
			s.workers.push(w);
	}
	return s;
}

const samples = [];
async function sampler() {
	while (running()) {
		samples.push(sample());
		await sleep(cfg.sampleEvery * 1000);
	}
}

// At rest: every client gone; wait (bounded) until the net process has
// as few descriptors as before the load, then take the sample.
async function atRest(before) {
	let s = sample();
	for (let i = 0; i < 100; i++) {
		if (before === null || (s.net !== null && before.net !== null &&
		    s.net.fds <= before.net.fds && s.monitor.fds <=
		    before.monitor.fds && s.workers.length ===
		    before.workers.length && s.workers.every(confined_w)))
			break;
		await sleep(100);
		s = sample();
	}
	return s;
}
const confined_w = (w) => confined(w.pid);

// ---- main -----------------------------------------------------------------

async function main() {
	// The key mcpd started with is soak.sh's; publish the first of ours.
	await hup(`publish ${cur.kid}`);
	const restBefore = await atRest(null);
	const states = [];
	const tasks = [];
	const mk = (local) => {
		const s = { conn: null, local, lanes: [] };
		states.push(s);
		return s;
	};
	for (let i = 0; i < cfg.goodClients; i++)
		tasks.push(good(mk()));
	for (let i = 0; i < cfg.sessionClients; i++)
		tasks.push(session(mk()));
	tasks.push(denied(mk()));
	tasks.push(malformed(mk()));
	tasks.push(oversize(mk()));
	tasks.push(burst(mk()));
	tasks.push(slowReader(mk()));
	tasks.push(badTokens(mk(cfg.badSource), 'badtoken'));
	tasks.push(badTokens(mk(cfg.expiredSource), 'expired'));
	tasks.push(flood(mk(cfg.floodSource)));
	for (let i = 0; i < cfg.slowClients; i++) {
		tasks.push(slowloris(i % 2 ? 'body' : 'headers'));
		tasks.push(idleHolder(i % 2 === 0));
	}
	tasks.push(killer(), rotateKeys(), rotateAudit(), sampler());
	// Progress, for a long run watched by a human.
	const prog = setInterval(() => {
		process.stderr.write(`soak: ${now().toFixed(0)}s ` +
		    `${counts.sent} requests, ${counts.answered} answers, ` +
		    `${faults.kills.length} kills, ${faults.hups.length} ` +
		    `reloads, ${faults.usr1.length} log rotations\n`);
	}, cfg.progressEvery * 1000);
	await Promise.all(tasks.map((p) => p.catch((e) => {
		faults.errors.push(`client task died: ${e.stack}`);
	})));
	clearInterval(prog);
	const loadEnd = now();
	for (const s of states) {
		s.conn?.close();
		for (const l of s.lanes)
			l.conn?.close();
	}
	flush();
	const restAfter = await atRest(restBefore);
	scanErr();
	fs.writeFileSync(`${cfg.out}/summary.json`, JSON.stringify({
		seconds: cfg.seconds, loadEnd, counts, problems, slowCounts,
		faults, samples, restBefore, restAfter,
		generations: genSeq, auditFiles,
		reloadsLogged: errSeen.reloaded, reloadsFailed: errSeen.failed,
	}, null, 1));
	fs.closeSync(out);
	fs.closeSync(slowOut);
}

main().then(() => process.exit(0), (e) => {
	console.error(e.stack);
	process.exit(1);
});
