-- Rewrite entries of an append-only list in place, each only if it still holds what was read
-- (the retention purge scrubbing the console audit; appends meanwhile are left alone).
-- KEYS: the list
-- ARGV: index, old value, new value, index, old value, new value, ...
local n = 0
for i = 1, #ARGV, 3 do
  local at = tonumber(ARGV[i])
  if redis.call('LINDEX', KEYS[1], at) == ARGV[i + 1] then
    redis.call('LSET', KEYS[1], at, ARGV[i + 2])
    n = n + 1
  end
end
return n
