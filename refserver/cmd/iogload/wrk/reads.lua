-- reads.lua: public reads for wrk (Debian's wrk 4), against a server whose
-- devices iogload registered. Run it as
--
--   wrk -t1 -c16 -d20s --latency -s reads.lua http://127.0.0.1:8420 -- FLEET [device|mix]
--
-- FLEET is the fleet file iogload writes in its data directory
-- (iogload-fleet.txt: a device ID and its wallet a line). "device" (the
-- default) asks for GET /v1/devices/{id} over the fleet in turn; "mix"
-- asks for a device, the supply and the devices' statistics in turn, as
-- iogload's reads attack does.

local ids = {}
local mode = "device"
local n = 0

function init(args)
  local fleet = args[1]
  if fleet == nil then
    error("reads.lua: name the fleet file after --")
  end
  for line in io.lines(fleet) do
    local id = line:match("^(%S+)")
    if id then
      ids[#ids + 1] = id
    end
  end
  if #ids == 0 then
    error("reads.lua: no devices in " .. fleet)
  end
  if args[2] ~= nil then
    mode = args[2]
  end
  if mode ~= "device" and mode ~= "mix" then
    error("reads.lua: the mode is device or mix, not " .. mode)
  end
  -- Each thread starts at its own place in the fleet.
  n = math.random(#ids)
end

local headers = { Accept = "application/json" }
local turn = 0

function request()
  turn = turn + 1
  if mode == "mix" and turn % 3 == 2 then
    return wrk.format("GET", "/v1/explorer/supply", headers)
  elseif mode == "mix" and turn % 3 == 0 then
    return wrk.format("GET", "/v1/explorer/devices", headers)
  end
  n = n % #ids + 1
  return wrk.format("GET", "/v1/devices/" .. ids[n], headers)
end

-- wrk counts an answer other than 2xx or 3xx as a status error.
function done(summary, latency, requests)
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d of %d requests\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, summary.requests))
end
