-- wrk script: POST the JSON bodies of a file (one a line) in turn, each waybill number prefixed with a
-- per-thread tag so that no body repeats a parcel scored before; done() prints one JSON line of figures.
-- The file is split into one lane per thread; each thread starts START lines into its lane, so that
-- successive runs go on through the simulated month instead of adding its first days again.
-- usage: wrk -s bodies.lua URL -- BODIES_FILE TAG [START THREADS]
local threads = {}
local bodies, counter = {}, 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local prefix = '"waybill_no":"' .. args[2] .. "t" .. id .. "-"
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = (line:gsub('"waybill_no":"', prefix))
  end
  local start, lanes = tonumber(args[3] or "0"), tonumber(args[4] or "1")
  counter = (start + (id - 1) * math.floor(#bodies / lanes)) % #bodies
end

function request()
  counter = counter % #bodies + 1
  return wrk.format("POST", nil, { ["content-type"] = "application/json" }, bodies[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
