-- Retention for one number that no appointment names any more: its opt-out is kept only as a
-- fingerprint (still honoured, without the number), its unusable mark is dropped. Nothing is
-- changed when an appointment names the number again, nor an entry changed since it was read.
-- KEYS: optout hash, fingerprint hash, unusable hash, the number's phone index set
-- ARGV: phone, optout entry as read ('' = leave it), fingerprint, fingerprint entry,
--       unusable entry as read ('' = leave it)
if redis.call('SCARD', KEYS[4]) > 0 then
  return 0
end
local changed = 0
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
  redis.call('HDEL', KEYS[1], ARGV[1])
  changed = changed + 1
end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[5] then
  redis.call('HDEL', KEYS[3], ARGV[1])
  changed = changed + 1
end
return changed
