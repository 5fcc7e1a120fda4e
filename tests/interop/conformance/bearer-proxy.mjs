// A loopback proxy that adds "Authorization: Bearer $CONFORMANCE_BEARER" to
// every request and forwards it to the MCP endpoint given as argv[2].  The
// conformance suite sends no credentials, so conformance.sh puts this in
// front of an endpoint that requires them.  Everything else passes
// unchanged in both directions, Host and Origin included, so the server
// still sees what the suite sent (its DNS-rebinding scenario depends on it).
// Prints "http://127.0.0.1:PORT/PATH" once it listens; exits when its
// standard input closes or on SIGTERM.  For an https upstream the test CA
// comes from NODE_EXTRA_CA_CERTS.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import process from 'node:process';

const upstream = new URL(process.argv[2] ?? '');
const token = process.env.CONFORMANCE_BEARER ?? '';
if (!/^https?:$/.test(upstream.protocol) || token === '') {
	console.error('usage: CONFORMANCE_BEARER=TOKEN bearer-proxy.mjs URL');
	process.exit(2);
}
const lib = upstream.protocol === 'https:' ? https : http;
// URL keeps the brackets of an IPv6 literal; sockets want it bare.
const host = upstream.hostname.replace(/^\[(.*)\]$/, '$1');
// Keep-alive upstream, as a real client would; the suite opens many
// short connections.
const agent = new lib.Agent({ keepAlive: true });

const server = http.createServer((req, res) => {
	const headers = { ...req.headers, authorization: `Bearer ${token}` };
	const up = lib.request({
		protocol: upstream.protocol,
		hostname: host,
		port: upstream.port,
		method: req.method,
		path: req.url,
		headers,
		agent,
		// The server's certificate names the real host; the Host header
		// the suite chose must not change which name is checked.  SNI
		// carries no IP address (RFC 6066), so none is sent for one.
		servername: net.isIP(host) ? '' : host,
	}, ures => {
		res.writeHead(ures.statusCode ?? 502, ures.rawHeaders);
		ures.pipe(res);
	});
	up.on('error', e => {
		if (!res.headersSent) {
			res.writeHead(502, { 'Content-Type': 'text/plain' });
			res.end(`bearer-proxy: ${e.message}\n`);
		} else {
			res.destroy();
		}
	});
	req.pipe(up);
	// A client that goes away (the suite closing an SSE stream) must take
	// the upstream request with it.
	res.on('close', () => up.destroy());
});

server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	console.log(`http://127.0.0.1:${port}${upstream.pathname}${upstream.search}`);
});
process.on('SIGTERM', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
