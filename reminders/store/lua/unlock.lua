-- Release a lock only if we still hold it (it may have expired and been taken by another).
-- KEYS: lock key. ARGV: our token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
