-- wrk script for tests/bench/http.sh: authenticated 2026-07-28 stateless
-- tools/call list_tables.  TOKENS names a file of bearer tokens, one per
-- line; each thread starts at its own offset and takes the next token for
-- every request (a file of one token: the same token every time).
-- Answers other than 200 with "isError":false are counted as errors.
local tokens = {}
local next_tok = 1
bad = 0
local threads = {}

local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' ..
    '{"name":"list_tables","arguments":{},"_meta":{' ..
    '"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
    '"io.modelcontextprotocol/clientCapabilities":{}}}}'

function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

function init(args)
	for line in io.lines(os.getenv("TOKENS")) do
		tokens[#tokens + 1] = line
	end
	next_tok = ((tid - 1) * math.floor(#tokens / 8)) % #tokens + 1
end

function request()
	local t = tokens[next_tok]
	next_tok = next_tok % #tokens + 1
	return wrk.format("POST", "/mcp", {
		["Content-Type"] = "application/json",
		["Accept"] = "application/json, text/event-stream",
		["Authorization"] = "Bearer " .. t,
		["MCP-Protocol-Version"] = "2026-07-28",
		["Mcp-Method"] = "tools/call",
		["Mcp-Name"] = "list_tables",
	}, body)
end

function response(status, headers, resp)
	if status ~= 200 or not string.find(resp, '"isError":false', 1, true) then
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local nbad = 0
	for _, t in ipairs(threads) do
		nbad = nbad + (t:get("bad") or 0)
	end
	io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
	    summary.errors.connect, summary.errors.read, summary.errors.write,
	    summary.errors.status, summary.errors.timeout))
	io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d p999_us=%d requests=%d bad=%d errors=%d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99),
	    latency:percentile(99.9), summary.requests, nbad,
	    summary.errors.connect + summary.errors.read +
	    summary.errors.write + summary.errors.status +
	    summary.errors.timeout))
end
