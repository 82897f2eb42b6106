-- Counts answers other than the expected status (403: the node's answer
-- to a status query without a token) and socket errors, for the reload and
-- node-failure test. Prints one line: "requests N errors N unexpected N".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  if status ~= 403 then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format("requests %d errors %d unexpected %d\n", summary.requests,
                         e.connect + e.read + e.write + e.timeout, bad))
end
