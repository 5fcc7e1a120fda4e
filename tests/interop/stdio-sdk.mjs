// Interop test: the official MCP TypeScript SDK (its Client and
// StdioClientTransport, code we did not write) drives a real mcpd over
// stdio.  Run by tests/regress/interop-sdk.sh, which passes in
//   MCPD_BIN           path of the mcpd binary
//   MCPD_CONFIG        its configuration file
//   INTEROP_DEV_KEY    an API key of dev@example.com (roles developer,viewer)
// The key is handed to mcpd only through the transport's env, as an MCP
// host would: StdioClientTransport does not pass on this process's
// environment, only a short safe list plus what it is given.
// Exits 0 when every check holds, 1 with a message on the first that does
// not, and 1 if the whole run takes longer than TIMEOUT_MS.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import process from 'node:process';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
	McpError,
	ErrorCode,
	LATEST_PROTOCOL_VERSION,
	SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const TIMEOUT_MS = 30000;
// Per request, well inside the global bound, so that a lost answer names
// the request that went unanswered.
const REQUEST_OPTS = { timeout: 10000 };
// The name the audit log must show as the client (checked by the scenario).
const CLIENT_NAME = 'mcpd-interop-sdk';

const SDK_VERSION = JSON.parse(readFileSync(new URL(
    './node_modules/@modelcontextprotocol/sdk/package.json',
    import.meta.url), 'utf8')).version;

// A query that runs until mcpd stops it, and when the test cancels it.
const FOREVER = { sql: 'WITH RECURSIVE c(x) AS ' +
    '(SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c' };
const CANCEL_AFTER_MS = 300;

const DENIED_TEXT = 'ACCESS DENIED\n' +
    '--------------\n' +
    'Tool: delete_users\n' +
    'Required role: admin\n' +
    'Your role: developer\n' +
    'Action: Blocked and logged';

// The versions mcpd(8) speaks over stdio.
const MCPD_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25'];

const transports = [];

function need(name) {
	const v = process.env[name];
	if (v === undefined || v === '') {
		console.error(`stdio-sdk: ${name} is not set`);
		process.exit(2);
	}
	return v;
}

const mcpd = need('MCPD_BIN');
const config = need('MCPD_CONFIG');
const devKey = need('INTEROP_DEV_KEY');

// A hung server or a lost answer must fail the test, not stall it.  The
// timer does not keep the process alive by itself.
const watchdog = setTimeout(() => {
	console.error(`FAIL: interop run did not finish within ${TIMEOUT_MS} ms`);
	for (const t of transports) {
		if (t.pid !== null) {
			try {
				process.kill(t.pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
	}
	process.exit(1);
}, TIMEOUT_MS);
watchdog.unref();

function makeClient(key) {
	const transport = new StdioClientTransport({
		command: mcpd,
		args: ['-f', config, '--stdio'],
		// mcpd's standard error is its log; it goes to ours, which the
		// scenario keeps and shows on failure.
		stderr: 'inherit',
		env: { MCPD_API_KEY: key },
	});
	// Client.connect() hands the negotiated version to a transport that
	// has this method (the HTTP one does); the stdio one does not, so
	// this instance gets one that records it for the checks.
	transport.negotiated = undefined;
	transport.setProtocolVersion = v => {
		transport.negotiated = v;
	};
	transports.push(transport);
	const client = new Client(
	    { name: CLIENT_NAME, version: SDK_VERSION },
	    { capabilities: {} });
	// What the SDK finds wrong in the server's messages (a line that is
	// not JSON-RPC, an answer to an unknown or cancelled id, ...) does not
	// reject a request: it only reaches onerror.  Collect it, so that a
	// session must end with none.
	const sdkErrors = [];
	client.onerror = e => {
		sdkErrors.push(String(e?.message ?? e));
	};
	return { client, transport, sdkErrors };
}

// Run fn, which must reject with an McpError of the given code and message.
// The message is checked too, so that an error the SDK raises by itself
// (such as its RequestTimeout, -32001) can never pass for mcpd's answer.
async function expectMcpError(what, code, message, fn) {
	let err;
	try {
		const r = await fn();
		assert.fail(`${what}: expected McpError ${code}, got a result: ` +
		    JSON.stringify(r));
	} catch (e) {
		if (e instanceof assert.AssertionError)
			throw e;
		err = e;
	}
	assert.ok(err instanceof McpError,
	    `${what}: expected an McpError, got ${err?.name}: ${err?.message}`);
	assert.equal(err.code, code,
	    `${what}: McpError code ${err.code} (${err.message}), expected ${code}`);
	assert.equal(err.message, `MCP error ${code}: ${message}`,
	    `${what}: McpError message`);
	return err;
}

function textOf(what, result) {
	assert.ok(Array.isArray(result.content) && result.content.length >= 1,
	    `${what}: no content in ${JSON.stringify(result)}`);
	assert.equal(result.content[0].type, 'text',
	    `${what}: first content item is not text: ${JSON.stringify(result.content[0])}`);
	return result.content[0].text;
}

async function main() {
	const started = Date.now();

	// 1. The developer's session.
	const { client, transport, sdkErrors } = makeClient(devKey);
	await client.connect(transport, REQUEST_OPTS);

	const server = client.getServerVersion();
	assert.ok(server, 'connect: no serverInfo after initialize');
	assert.equal(server.name, 'mcpd', `connect: server name ${server.name}`);
	// connect() itself refuses a version outside SUPPORTED_PROTOCOL_VERSIONS;
	// it offers its latest, so when mcpd speaks that one it must be the
	// answer, else mcpd's own latest.
	const v = transport.negotiated;
	assert.ok(SUPPORTED_PROTOCOL_VERSIONS.includes(v),
	    `connect: negotiated ${v}, which the SDK does not support`);
	assert.ok(MCPD_VERSIONS.includes(v),
	    `connect: negotiated ${v}, which mcpd(8) does not list`);
	assert.equal(v, MCPD_VERSIONS.includes(LATEST_PROTOCOL_VERSION) ?
	    LATEST_PROTOCOL_VERSION : MCPD_VERSIONS.at(-1),
	    `connect: SDK offered ${LATEST_PROTOCOL_VERSION}, server answered ${v}`);
	assert.ok(client.getServerCapabilities()?.tools,
	    `connect: server capabilities lack tools: ${JSON.stringify(client.getServerCapabilities())}`);

	// tools/list: parsed by the SDK's ListToolsResultSchema (a schema
	// violation rejects), and each inputSchema must compile with the
	// SDK's own JSON Schema validator.
	const listed = await client.listTools(undefined, REQUEST_OPTS);
	const names = listed.tools.map(t => t.name).sort();
	assert.deepEqual(names,
	    ['describe_table', 'execute_sql', 'list_tables', 'query'],
	    `listTools as dev@example.com: ${JSON.stringify(names)}`);
	assert.equal(listed.nextCursor, undefined,
	    `listTools: unexpected nextCursor ${listed.nextCursor}`);
	const ajv = new AjvJsonSchemaValidator();
	const validators = {};
	for (const t of listed.tools) {
		assert.equal(t.inputSchema.type, 'object',
		    `tool ${t.name}: inputSchema.type is ${t.inputSchema.type}`);
		try {
			validators[t.name] = ajv.getValidator(t.inputSchema);
		} catch (e) {
			assert.fail(`tool ${t.name}: inputSchema does not compile: ${e.message}`);
		}
	}
	// The SDK's validator and mcpd must agree on good and bad arguments.
	const goodQuery = { sql: 'SELECT count(*) AS n FROM users' };
	const badQuery = { sql: 5 };
	assert.ok(validators.query(goodQuery).valid,
	    'SDK validator rejects a good query: ' + validators.query(goodQuery).errorMessage);
	assert.ok(!validators.query(badQuery).valid,
	    'SDK validator accepts {sql: 5}');
	assert.ok(validators.list_tables({}).valid, 'SDK validator rejects {} for list_tables');

	// tools/call list_tables.
	const lt = await client.callTool({ name: 'list_tables', arguments: {} },
	    undefined, REQUEST_OPTS);
	assert.equal(lt.isError, false, `list_tables: isError ${lt.isError}: ${JSON.stringify(lt)}`);
	const ltText = textOf('list_tables', lt);
	let ltJson;
	try {
		ltJson = JSON.parse(ltText);
	} catch (e) {
		assert.fail(`list_tables: text is not JSON: ${ltText}`);
	}
	assert.ok(JSON.stringify(ltJson).includes('"users"'),
	    `list_tables: no "users" in ${ltText}`);

	// tools/call query with a SELECT.
	const q = await client.callTool({ name: 'query', arguments: goodQuery },
	    undefined, REQUEST_OPTS);
	assert.equal(q.isError, false, `query: isError ${q.isError}: ${JSON.stringify(q)}`);
	const qJson = JSON.parse(textOf('query', q));
	assert.deepEqual(qJson.columns, ['n'], `query: columns ${JSON.stringify(qJson.columns)}`);
	assert.ok(Number.isInteger(qJson.rows?.[0]?.[0]) && qJson.rows[0][0] > 0,
	    `query: rows ${JSON.stringify(qJson.rows)}`);

	// A denied call is a tool result, not a protocol error.
	const d = await client.callTool({ name: 'delete_users', arguments: { userIds: ['1'] } },
	    undefined, REQUEST_OPTS);
	assert.equal(d.isError, true, `delete_users: isError ${d.isError}: ${JSON.stringify(d)}`);
	assert.equal(textOf('delete_users', d), DENIED_TEXT, 'delete_users: denial text');

	// Arguments that violate the inputSchema, from a caller allowed the
	// tool: a tool execution error naming the constraint (MCP 2025-11-25,
	// SEP-1303), not a JSON-RPC error.
	const inv = await client.callTool({ name: 'query', arguments: badQuery },
	    undefined, REQUEST_OPTS);
	assert.equal(inv.isError, true, `query {sql: 5}: isError: ${JSON.stringify(inv)}`);
	assert.equal(textOf('query {sql: 5}', inv), 'invalid arguments: /sql: expected string',
	    'query {sql: 5}: text');

	// The session is still usable after the errors.
	const pong = await client.ping(REQUEST_OPTS);
	assert.deepEqual(pong, {}, `ping: ${JSON.stringify(pong)}`);

	// Cancellation the SDK's way: aborting the signal rejects the call
	// at once and sends notifications/cancelled.  The query never ends by
	// itself (the scenario sets QueryTimeout 60s), so the abort comes first;
	// mcpd must then send no answer for it (checked through onerror) and
	// serve on.  The scenario checks the audit record of the cancel.
	const ac = new AbortController();
	const abortTimer = setTimeout(() => ac.abort('interop cancel'), CANCEL_AFTER_MS);
	await expectMcpError('aborted query', ErrorCode.RequestTimeout,
	    'interop cancel',
	    () => client.callTool({ name: 'query', arguments: FOREVER },
		undefined, { ...REQUEST_OPTS, signal: ac.signal }));
	clearTimeout(abortTimer);
	const after = await client.callTool({ name: 'list_tables', arguments: {} },
	    undefined, REQUEST_OPTS);
	assert.equal(after.isError, false,
	    `list_tables after cancel: ${JSON.stringify(after)}`);
	assert.deepEqual(await client.ping(REQUEST_OPTS), {}, 'ping after cancel');

	assert.deepEqual(sdkErrors, [], 'the SDK saw protocol errors from mcpd');
	await client.close();

	// 2. A client with a wrong key: initialize carries no credential, so
	// connect() succeeds, and tools/list fails authentication.
	const wrongKey = devKey.slice(0, -4) +
	    (devKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
	assert.notEqual(wrongKey, devKey);
	const bad = makeClient(wrongKey);
	await bad.client.connect(bad.transport, REQUEST_OPTS);
	assert.equal(bad.client.getServerVersion()?.name, 'mcpd',
	    'wrong-key client: server name');
	await expectMcpError('listTools with a wrong key', -32003,
	    'Authentication failed',
	    () => bad.client.listTools(undefined, REQUEST_OPTS));
	assert.deepEqual(bad.sdkErrors, [],
	    'the SDK saw protocol errors from mcpd (wrong key)');
	await bad.client.close();

	console.log(`ok interop: @modelcontextprotocol/sdk ${SDK_VERSION} ` +
	    `against ${server.name} ${server.version}, protocol ${v}, ` +
	    `${Date.now() - started} ms`);
}

try {
	await main();
	clearTimeout(watchdog);
	process.exit(0);
} catch (e) {
	console.error(`FAIL: ${e instanceof assert.AssertionError ? e.message : (e?.stack ?? e)}`);
	for (const t of transports)
		await t.close().catch(() => {});
	process.exit(1);
}
