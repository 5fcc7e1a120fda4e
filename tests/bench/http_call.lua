-- wrk script for the HTTP benchmarks (tests/bench/compare.sh, http.sh):
-- authenticated tools/call POSTs to /mcp, every answer checked.
--
-- Environment:
--   TOKENS    a file of bearer tokens, one per line.  With NTHREADS
--             threads, thread t takes lines t, t+NTHREADS, ... (disjoint
--             shares, so that no token repeats across threads before each
--             thread has gone through its own share) and uses the next
--             for every request; a file of one token: the same token for
--             every request of every thread.
--   NTHREADS  wrk's -t (default 1)
--   MODE      "modern" (default): the stateless 2026-07-28 protocol, its
--             _meta in the body and Mcp-Method/Mcp-Name headers (mcpd);
--             "session": 2025-11-25 with the Mcp-Session-Id of SESSION
--             (the SDK peer, in its stateful mode)
--   TOOL      the tool to call (default list_tables)
--   ARGS      its arguments as JSON (default {})
--   EXPECT    "ok" (default): an answer counts as good when it is 200 with
--             "isError":false in the body; "reject" (the attacker of the
--             flood row): when it is 401 or 429
--
-- Each request has an id of its own ("t<thread>-<n>"): the SDK's stateful
-- transport keys its in-flight requests by id.  done() prints one line:
-- RESULT rps=... p50_us=... p99_us=... p999_us=... requests=... bad=...
-- errors=... s200=... s401=... s429=... sother=..., where bad counts the
-- answers that were not as EXPECTed and errors the socket errors and
-- timeouts (wrk's own count of non-2xx answers is left out: bad has them).
local tokens = {}
local next_tok = 1
local n = 0
local prefix, suffix, headers
bad = 0
s200 = 0
s401 = 0
s429 = 0
sother = 0
local expect_ok = true
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

function init(args)
	local nthreads = tonumber(os.getenv("NTHREADS") or "1")
	local i, first = 0, nil
	for line in io.lines(os.getenv("TOKENS")) do
		if first == nil then
			first = line
		end
		if i % nthreads == tid - 1 then
			tokens[#tokens + 1] = line
		end
		i = i + 1
	end
	if #tokens == 0 then
		tokens[1] = first
	end
	local tool = os.getenv("TOOL") or "list_tables"
	local targs = os.getenv("ARGS") or "{}"
	expect_ok = (os.getenv("EXPECT") or "ok") ~= "reject"
	headers = {
		["Content-Type"] = "application/json",
		["Accept"] = "application/json, text/event-stream",
	}
	prefix = '{"jsonrpc":"2.0","id":"t' .. tid .. '-'
	if (os.getenv("MODE") or "modern") == "session" then
		headers["MCP-Protocol-Version"] = "2025-11-25"
		headers["Mcp-Session-Id"] = os.getenv("SESSION")
		suffix = '","method":"tools/call","params":{"name":"' ..
		    tool .. '","arguments":' .. targs .. '}}'
	else
		headers["MCP-Protocol-Version"] = "2026-07-28"
		headers["Mcp-Method"] = "tools/call"
		headers["Mcp-Name"] = tool
		suffix = '","method":"tools/call","params":{"name":"' ..
		    tool .. '","arguments":' .. targs .. ',"_meta":{' ..
		    '"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
		    '"io.modelcontextprotocol/clientCapabilities":{}}}}'
	end
end

function request()
	headers["Authorization"] = "Bearer " .. tokens[next_tok]
	next_tok = next_tok % #tokens + 1
	n = n + 1
	return wrk.format("POST", "/mcp", headers, prefix .. n .. suffix)
end

function response(status, hdrs, body)
	if status == 200 then
		s200 = s200 + 1
	elseif status == 401 then
		s401 = s401 + 1
	elseif status == 429 then
		s429 = s429 + 1
	else
		sother = sother + 1
	end
	if expect_ok then
		if status ~= 200 or
		    not string.find(body, '"isError":false', 1, true) then
			bad = bad + 1
		end
	elseif status ~= 401 and status ~= 429 then
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local sum = { bad = 0, s200 = 0, s401 = 0, s429 = 0, sother = 0 }
	for _, t in ipairs(threads) do
		for k, _ in pairs(sum) do
			sum[k] = sum[k] + (t:get(k) or 0)
		end
	end
	local e = summary.errors
	io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d " ..
	    "p999_us=%d requests=%d bad=%d errors=%d s200=%d s401=%d " ..
	    "s429=%d sother=%d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99),
	    latency:percentile(99.9), summary.requests, sum.bad,
	    e.connect + e.read + e.write + e.timeout,
	    sum.s200, sum.s401, sum.s429, sum.sother))
end
