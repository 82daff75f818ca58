-- Reads and writes through the edge for scripts/scaleout's load drill (wrk -s, one connection
-- per thread: -t N -c N, so that each answer belongs to the request the thread sent last).
--
-- Every third request creates an item whose title is unique (LOAD_TAG-thread-number) and doubles
-- as its Idempotency-Key; the others read one of LOAD_ITEM_IDS. Each thread writes what it sent
-- and what came back to LOAD_OUT/thread-N.log:
--     > POST <title>            > GET <path>
--     < <status>
-- A request without a "<" line got no answer at all (wrk counts it as a socket error). The logs are
-- complete once wrk exits (stdio flushes at exit).

local threads = {}
local token = os.getenv("LOAD_TOKEN")
local tag = os.getenv("LOAD_TAG")
local out = os.getenv("LOAD_OUT")
local item_ids = {}
local counter = 0
local log

function setup(thread)
    table.insert(threads, thread)
    thread:set("number", #threads)
end

function init(args)
    for id in string.gmatch(os.getenv("LOAD_ITEM_IDS"), "%d+") do
        table.insert(item_ids, id)
    end
    log = io.open(out .. "/thread-" .. number .. ".log", "w")
    log:setvbuf("full")
end

function request()
    counter = counter + 1
    if counter % 3 == 0 then
        local title = tag .. "-" .. number .. "-" .. counter
        log:write("> POST ", title, "\n")
        return wrk.format("POST", "/api/v1/items/", {
            ["Authorization"] = "Bearer " .. token,
            ["Content-Type"] = "application/json",
            ["Idempotency-Key"] = title,
        }, '{"title":"' .. title .. '","price":' .. counter .. '}')
    end
    local path = "/api/v1/items/" .. item_ids[counter % #item_ids + 1]
    log:write("> GET ", path, "\n")
    return wrk.format("GET", path)
end

function response(status, headers, body)
    log:write("< ", status, "\n")
end
