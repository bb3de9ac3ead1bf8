-- Shared by every script (after the generated preamble of state sets and key names, lua.py).

-- "APPT:3:rule:-:sms" -> "APPT", "r:3:rule:-:sms" (ids.py: ReminderId, field_for)
local function split_id(rid)
  local sep = string.find(rid, ':', 1, true)
  return string.sub(rid, 1, sep - 1), 'r:' .. string.sub(rid, sep + 1)
end

-- A failed reminder needs a person only while no email twin covers it (record.py).
local function needs_attention(r)
  return NEEDS_ATTENTION[r.s] and not r.cov
end

-- Put the appointment on the staff's attention list when the reminder needs a person.
local function attend(key, aid, r)
  if needs_attention(r) then
    redis.call('SADD', key, aid)
  end
end

-- Make sure the email twin of a failed SMS reminder exists and is pending or done.
-- spec = {f = field, id = reminder id, rec = record JSON}; returns covered | added | none.
local function fallback(akey, due, spec)
  local raw = redis.call('HGET', akey, spec.f)
  if raw then
    if COVERS_TWIN[cjson.decode(raw).s] then
      return 'covered'
    end
    return 'none'
  end
  redis.call('HSET', akey, spec.f, spec.rec)
  redis.call('ZADD', due, cjson.decode(spec.rec).d, spec.id)
  return 'added'
end
