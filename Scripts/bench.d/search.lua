-- wrk script for the ann bench: POSTs the search bodies of a file (one JSON document per line) in turn,
-- and counts answers whose code is not 0. Usage: wrk ... -s search.lua URL -- BODIES_FILE
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- Whole requests formatted once, so that the client spends its CPU on sending, not on formatting.
  requests = {}
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("POST", "/v2/vectordb/entities/search",
                                         { ["Content-Type"] = "application/json" }, line)
  end
  counter = math.random(#requests)
  errors = 0
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  if not string.find(body, '"code":0', 1, true) then errors = errors + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("requests %d errors %d\n", summary.requests, total))
end
