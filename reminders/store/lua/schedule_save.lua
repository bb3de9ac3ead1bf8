-- A schedule's next version: written only if the newest version is still the one the edit was
-- based on, so two staff members saving at once never both become version n+1 (the second is
-- told which version is newest now); with its staff audit entry, in the same step.
-- KEYS: the schedule's versions hash, the staff audit list
-- ARGV: the version the edit is based on ("0": none yet), the version's record JSON,
--       the SHA-256 of the file it was taken from ("" = not from the file), "1" = only if that
--       file has not been taken in already, the staff audit entry JSON ("" = none)
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'file') == ARGV[3] then
  return {'same', tostring(head)}
end
if head ~= tonumber(ARGV[1]) then
  return {'conflict', tostring(head)}
end
local n = head + 1
redis.call('HSET', KEYS[1], 'v:' .. n, ARGV[2], 'head', n)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'file', ARGV[3])
end
if ARGV[5] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[5])
end
return {'ok', tostring(n)}
