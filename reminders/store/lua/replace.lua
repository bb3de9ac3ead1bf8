-- Book, edit or cancel: write the appointment at its new version with its new reminders, and
-- cancel the pending reminders of every other version, in one step.
-- KEYS: appointment hash, due zset, events list, attention set
-- ARGV: appointment id, expected version ("" = any), new version, status, doc JSON,
--       new reminders JSON [[field, record-json], ...], event JSON, why superseded, key prefix
--
-- All or nothing: Redis does not undo the writes a script made before an error, so everything
-- that can fail (decoding the input and the stored records, encoding the changed ones) is done
-- first, and the writes come after, when nothing can fail any more. A rejected input leaves the
-- appointment, its reminders, the due index and the phone index exactly as they were.
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[2] ~= '' and (cur or '') ~= ARGV[2] then
  return {'conflict', cur or ''}
end
local new_doc = cjson.decode(ARGV[5])
local items = cjson.decode(ARGV[6])
local old_doc = redis.call('HGET', KEYS[1], 'doc')
local old_phone = old_doc and cjson.decode(old_doc).patient.phone
local new_phone = new_doc.patient.phone
local new_version = ARGV[3]

-- Pending reminders of other versions, cancelled ...
local cancel = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 2) == 'r:' then
    local r = cjson.decode(all[i + 1])
    local v = string.match(f, '^r:(%d+):')
    -- (a claim with chk set is a send whose outcome was lost: its lookup must still run, and
    -- it records what the provider did, whatever happened to the appointment since)
    if v ~= new_version and PENDING[r.s] and not r.chk then
      r.s = 'cancelled'
      r.why = ARGV[8]
      r.tok = nil
      r.lease = nil
      cancel[#cancel + 1] = {f, cjson.encode(r)}
    end
  end
end

-- ... and the new ones, each waiting for whichever earlier reminder of its slot is in flight
-- or sent now (it may have begun since the plan was made).
local add = {}
for _, item in ipairs(items) do
  local f, raw = item[1], item[2]
  local planned = cjson.decode(raw)
  if planned.hc then
    for _, cid in ipairs(planned.hc) do
      local _, cf = split_id(cid)
      local craw = redis.call('HGET', KEYS[1], cf)
      local c = craw and cjson.decode(craw)
      if c and not planned.hold and (MAYBE_SENT[c.s] or c.chk or c.s == 'sent') then
        planned.hold = cid
      end
    end
    planned.hc = nil
    raw = cjson.encode(planned)
  end
  add[#add + 1] = {f, raw, planned.s, planned.d}
end

-- Writes only from here on.
if type(old_phone) == 'string' then
  redis.call('SREM', phone_key(ARGV[9], old_phone), ARGV[1])
end
if type(new_phone) == 'string' then
  redis.call('SADD', phone_key(ARGV[9], new_phone), ARGV[1])
end
for _, c in ipairs(cancel) do
  redis.call('HSET', KEYS[1], c[1], c[2])
  redis.call('ZREM', KEYS[2], ARGV[1] .. ':' .. string.sub(c[1], 3))
end
local added = 0
for _, a in ipairs(add) do
  local f, raw, state, due = a[1], a[2], a[3], a[4]
  if redis.call('HSETNX', KEYS[1], f, raw) == 1 then
    added = added + 1
    if state == 'scheduled' then
      redis.call('ZADD', KEYS[2], due, ARGV[1] .. ':' .. string.sub(f, 3))
    elseif state == 'flagged' then
      redis.call('SADD', KEYS[4], ARGV[1])
    end
  end
end
redis.call('HSET', KEYS[1], 'v', new_version, 'st', ARGV[4], 'doc', ARGV[5])
redis.call('RPUSH', KEYS[3], ARGV[7])
return {'ok', tostring(added)}
