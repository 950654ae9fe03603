"""The Lua scripts of :class:`~keap_adapter.pacing.RedisLimiter`.

Each runs atomically in Redis ("Scripting with Lua" on redis.io): nothing else runs on that
server meanwhile, and past ``busy-reply-threshold`` (5 s by default, see redis.conf) every
other client is answered BUSY. So every loop in them is bounded by a small constant: at most
16 windows (``MOST_WINDOWS``), 16 weighted pads, 64 learned limits. A request Keap reported
that no worker counted is one pad, whatever its count: a sorted-set member whose name ends
in its weight (``p<seq>|<length>|<weight>``). Time is Redis's own (``TIME``); if that clock
steps back, entries dated after now count as now and no wait is longer than its window.
"""

from __future__ import annotations

__all__ = ["ACQUIRE", "ACQUIRE_KEYS", "NAMES", "RELEASE", "RELEASE_KEYS"]

NAMES = ("stamps", "pads", "flight", "day", "quota", "learned", "seq")
ACQUIRE_KEYS = ("stamps", "pads", "flight", "day", "quota", "learned", "seq")
RELEASE_KEYS = ("stamps", "pads", "flight", "quota", "learned")

# Shared by both scripts: Redis's clock, scores written with microsecond precision, and the
# pads (member, score, weight) dated after ``since``.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function f(x) return string.format('%.6f', x) end
local function weight(member) return tonumber(string.match(member, '|(%d+)$')) or 1 end
local function pads_since(key, since)
  local flat = redis.call('ZRANGEBYSCORE', key, '(' .. f(since), '+inf', 'WITHSCORES')
  local found = {}
  for i = 1, #flat, 2 do
    found[#found + 1] = {flat[i], tonumber(flat[i + 1]), weight(flat[i])}
  end
  return found
end
"""

# KEYS: stamps, pads, flight, day, quota, learned, seq.
# ARGV: learned version, lease, poll, per_day or '', trim horizon, idle ttl, then
# (length, limit) pairs.
ACQUIRE = (
    _PRELUDE
    + """
local version = redis.call('HGET', KEYS[6], '_v') or ''
if version ~= ARGV[1] then
  return {'stale', version, redis.call('HGETALL', KEYS[6])}
end
local lease, poll, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
local function no_later(key, top)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. f(top), '+inf')) do
    redis.call('ZADD', key, f(top), m)
  end
end
no_later(KEYS[1], now)
no_later(KEYS[2], now)
no_later(KEYS[3], now + lease)
-- a lease that ran out: the answer never came back, count it as answered then
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', f(now), 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZADD', KEYS[1], expired[i + 1], expired[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', f(now))
local horizon = '(' .. f(now - tonumber(ARGV[5]))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', horizon)
local day = math.floor(now / 86400)
local midnight = (day + 1) * 86400
if tonumber(redis.call('HGET', KEYS[4], 'day')) ~= day then
  redis.call('HSET', KEYS[4], 'day', day, 'count', 0)
  redis.call('EXPIREAT', KEYS[4], midnight + 86400)
end
-- what Keap said is left is kept as the slot number past which none may be taken
local taken = tonumber(redis.call('GET', KEYS[7])) or 0
if taken == 0 then
  redis.call('DEL', KEYS[5])
end
local reset = tonumber(redis.call('HGET', KEYS[5], 'reset'))
if reset and now >= reset then
  redis.call('DEL', KEYS[5])
  reset = nil
end
local per_day = tonumber(ARGV[4])
if per_day and tonumber(redis.call('HGET', KEYS[4], 'count')) >= per_day then
  return {'quota', f(midnight)}
end
local mark = tonumber(redis.call('HGET', KEYS[5], 'mark'))
if mark and taken >= mark then
  return {'quota', f(reset or midnight)}
end
local flying = redis.call('ZCARD', KEYS[3])
local pads = pads_since(KEYS[2], now - tonumber(ARGV[5]))
-- when the excess-th oldest request of the window (pads weighed) arrived
local function nth(since, excess, inside)
  local before = 0
  for _, p in ipairs(inside) do
    local real = redis.call('ZCOUNT', KEYS[1], '(' .. f(since), f(p[2]))
    if real + before >= excess then break end
    if real + before + p[3] >= excess then return p[2] end
    before = before + p[3]
  end
  local s = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. f(since), '+inf',
                       'WITHSCORES', 'LIMIT', excess - before - 1, 1)
  return tonumber(s[2]) or now
end
local wait = 0
for i = 7, #ARGV, 2 do
  local length, limit = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local since = now - length
  local done = redis.call('ZCOUNT', KEYS[1], '(' .. f(since), '+inf')
  local inside = {}
  for _, p in ipairs(pads) do
    if p[2] > since then
      inside[#inside + 1] = p
      done = done + p[3]
    end
  end
  local excess = flying + done - limit + 1
  if excess > done then
    -- only answers still in flight can free a place
    wait = math.max(wait, poll)
  elseif excess > 0 then
    local at = nth(since, excess, inside)
    wait = math.max(wait, math.min(at + length - now, length), 0.000001)
  end
end
if wait > 0 then
  return {'wait', f(wait)}
end
local member = tostring(redis.call('INCR', KEYS[7]))
redis.call('ZADD', KEYS[3], f(now + lease), member)
redis.call('HINCRBY', KEYS[4], 'count', 1)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[7], ttl)
return {'ok', member, f(now)}
"""
)

# Learned limits, in the ``learned`` hash: ``scope|seconds`` -> limit, ``~scope|seconds`` ->
# "<last announced> <last announced at or below the limit held>", ``_v`` -> a token changed
# on every change, ``_sweep`` -> when to look for forgotten limits next. A limit is raised
# only when no lower figure was announced for HOLD seconds, dropped when none was for
# FORGET seconds; at most MOST limits are kept (see ``_learned.py``).
_LEARN = """
local FORGET, HOLD, MOST = 600, 5, 64
local function learn(first, n, token)
  local changed = false
  for i = first, first + 2 * n - 1, 2 do
    local field, value = ARGV[i], tonumber(ARGV[i + 1])
    local got = redis.call('HMGET', KEYS[5], field, '~' .. field)
    local held = tonumber(got[1])
    local seen, low = 0, 0
    if got[2] then
      seen = tonumber(string.match(got[2], '^(%S+)'))
      low = tonumber(string.match(got[2], '(%S+)$'))
    end
    if held == nil then
      if redis.call('HLEN', KEYS[5]) < 2 * MOST + 2 then
        redis.call('HSET', KEYS[5], field, value, '~' .. field, f(now) .. ' ' .. f(now))
        changed = true
      end
    else
      local moved = low
      if value <= held or now - low >= HOLD then
        moved = now
        if value ~= held then
          redis.call('HSET', KEYS[5], field, value)
          changed = true
        end
      end
      if moved ~= low or now - seen >= 1 then
        redis.call('HSET', KEYS[5], '~' .. field, f(now) .. ' ' .. f(moved))
      end
    end
  end
  if now >= (tonumber(redis.call('HGET', KEYS[5], '_sweep')) or 0) then
    local all = redis.call('HGETALL', KEYS[5])
    for j = 1, #all, 2 do
      local k = all[j]
      local seen = tonumber(string.match(all[j + 1], '^(%S+)'))
      if string.sub(k, 1, 1) == '~' and seen and seen <= now - FORGET then
        redis.call('HDEL', KEYS[5], k, string.sub(k, 2))
        changed = true
      end
    end
    redis.call('HSET', KEYS[5], '_sweep', f(now + 60))
  end
  if changed then
    redis.call('HSET', KEYS[5], '_v', token)
  end
  redis.call('EXPIRE', KEYS[5], FORGET + 120)
end
"""

# KEYS: stamps, pads, flight, quota, learned.
# ARGV: 1 member, 2 when it was taken, 3 new learned version, 4 the worker's learned version,
# 5 day left or '', 6 announced reset or '', 7 idle ttl, 8 learned count n, then n (field,
# limit) pairs, then (length, used) pairs to pad.
RELEASE = (
    _PRELUDE
    + _LEARN
    + """
local member, ttl = ARGV[1], tonumber(ARGV[7])
if redis.call('ZREM', KEYS[3], member) == 1 then
  redis.call('ZADD', KEYS[1], f(now), member)
else
  -- its lease ran out first: it was counted as answered then; it arrived later, now
  local score = tonumber(redis.call('ZSCORE', KEYS[1], member))
  if score and score < now then
    redis.call('ZADD', KEYS[1], f(now), member)
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
local n = tonumber(ARGV[8])
if n > 0 then
  learn(9, n, ARGV[3])
end
local day = math.floor(now / 86400)
-- an answer to a request sent on a UTC day that is over speaks of that day
if ARGV[5] ~= '' and math.floor(tonumber(ARGV[2]) / 86400) == day then
  local seq, midnight = tonumber(member), (day + 1) * 86400
  local mark = seq + tonumber(ARGV[5])
  local held = redis.call('HMGET', KEYS[4], 'mark', 'seq', 'reset')
  if not held[1] or seq > tonumber(held[2]) then
    redis.call('HSET', KEYS[4], 'mark', mark, 'seq', seq)
  elseif mark < tonumber(held[1]) then
    redis.call('HSET', KEYS[4], 'mark', mark)
  end
  local reset = tonumber(ARGV[6])
  if not reset or reset <= now or reset > midnight + 86400 then
    reset = midnight
  end
  if held[3] ~= f(reset) then
    redis.call('HSET', KEYS[4], 'reset', f(reset))
    redis.call('EXPIREAT', KEYS[4], math.ceil(reset) + 1)
  end
end
-- requests Keap saw that no worker counted (senders not sharing this limiter): one pad
local flying = redis.call('ZCOUNT', KEYS[3], '(' .. f(now), '+inf')
for i = 9 + 2 * n, #ARGV, 2 do
  local length, used = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local missing = used - flying - redis.call('ZCOUNT', KEYS[1], '(' .. f(now - length), '+inf')
  for _, p in ipairs(pads_since(KEYS[2], now - length)) do
    missing = missing - p[3]
  end
  if missing > 0 then
    if redis.call('ZCARD', KEYS[2]) >= 16 then
      -- full: the newest pad takes this one in and moves to now (later only holds longer)
      local newest = redis.call('ZREVRANGE', KEYS[2], 0, 0)[1]
      missing = missing + weight(newest)
      redis.call('ZREM', KEYS[2], newest)
    end
    redis.call('ZADD', KEYS[2], f(now), 'p' .. member .. '|' .. length .. '|' .. missing)
    redis.call('EXPIRE', KEYS[2], ttl)
  end
end
local version = redis.call('HGET', KEYS[5], '_v') or ''
if version ~= ARGV[4] then
  return {version, redis.call('HGETALL', KEYS[5])}
end
return {version, {}}
"""
)
