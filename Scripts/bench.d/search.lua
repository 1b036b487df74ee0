-- wrk script for the ann bench: POSTs the search bodies of a file (one JSON document per line) in turn,
-- and counts answers whose code is not 0. Usage: wrk ... -s search.lua URL -- BODIES_FILE
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  counter = math.random(#bodies)
  errors = 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/v2/vectordb/entities/search", { ["Content-Type"] = "application/json" },
                    bodies[(counter % #bodies) + 1])
end

function response(status, headers, body)
  if not string.find(body, '"code":0', 1, true) then errors = errors + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("requests %d errors %d\n", summary.requests, total))
end
