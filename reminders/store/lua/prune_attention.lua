-- Drop an appointment from the attention index unless one of its reminders still needs a
-- person (re-checked here, so one flagged meanwhile keeps it listed).
-- KEYS: appointment hash, attention set. ARGV: appointment id
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'r:' and needs_attention(cjson.decode(all[i + 1])) then
    return 0
  end
end
return redis.call('SREM', KEYS[2], ARGV[1])
