-- Cycles through requests from a file, one per line: METHOD<TAB>PATH<TAB>SESSION-TOKEN (or "Bearer <key>")<TAB>BODY.
-- A body containing __IDEM__ gets a unique Idempotency-Key (each request a new application).
local requests = {}
local counter = 0
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^(%u+)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then table.insert(requests, {method, path, token, body}) end
  end
  counter = (tid or 0) * 100003
end

request = function()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
  if r[3]:sub(1, 7) == "Bearer " then headers["Authorization"] = r[3]  -- a system's or a terminal's key
  elseif r[3] ~= "" then headers["X-Session-Token"] = r[3] end
  local body = r[4]
  if body:find("__IDEM__", 1, true) then
    headers["Idempotency-Key"] = "bench-" .. (tid or 0) .. "-" .. counter .. "-" .. os.time()
    body = body:gsub("__IDEM__", "")
  end
  if body == "" then body = nil end
  return wrk.format(r[1], r[2], headers, body)
end

-- Counts answers by status code in each thread; done() adds them up and prints "status <code> <count>".
statuses = {}  -- a global: done() reads it from each thread
local all_threads = {}
local base_setup = setup
setup = function(thread)
  table.insert(all_threads, thread)
  base_setup(thread)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(all_threads) do
    local counted = thread:get("statuses")
    if counted then
      for code, count in pairs(counted) do total[code] = (total[code] or 0) + count end
    end
  end
  for code, count in pairs(total) do io.write(string.format("status %d %d\n", code, count)) end
end
