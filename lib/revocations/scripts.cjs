'use strict';

// The Lua scripts that change the revocations stream, each on one key (so one hash slot in a
// cluster) and atomic: appending an entry chained to the one before, and compacting the oldest
// entries. Plus the write-back lock's release and renewal, which touch only the lock.

/**
 * Sets `prev` to the tag of the stream's last entry of ours ('' when there is none), reading one
 * entry at a time: foreign entries (not starting with a `t` field) are skipped, up to 100 of them.
 */
const LAST_TAG = `
local prev, before = '', '+'
for _ = 1, 100 do
  local tail = redis.call('XREVRANGE', KEYS[1], before, '-', 'COUNT', 1)
  if #tail == 0 then break end
  if tail[1][2][1] == 't' then
    prev = tail[1][2][2]
    break
  end
  before = '(' .. tail[1][1]
end
`;

/**
 * Appends one entry. KEYS: the stream. ARGV: its tag, then its payload fields (name, value, …).
 * Returns the entry's id.
 */
const APPEND = `${LAST_TAG}
local fields = {'XADD', KEYS[1], '*', 't', ARGV[1], 'p', prev}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call(unpack(fields))
`;

/**
 * Compacts the head of the stream: reads up to ARGV[2] entries older than ARGV[1] ms by the
 * server's clock (never the last entry, which anchors the chain), appends what of them is still
 * live (until more than ARGV[3] ms ago, a margin for clocks) in entries of at most ARGV[4]
 * sessions, chained, tagged ARGV[5] followed by two hex digits, then trims what it read.
 * KEYS: the stream. Returns how many entries it read: as many as asked means more may wait.
 */
const COMPACT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local old = redis.call('XRANGE', KEYS[1], '-', now - tonumber(ARGV[1]), 'COUNT', ARGV[2])
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #old == 0 or #newest == 0 then return 0 end
local liveAfter = now - tonumber(ARGV[3])
local sessions, users, last, read = {}, {}, nil, 0
for _, entry in ipairs(old) do
  if entry[1] == newest[1][1] then break end
  last, read = entry[1], read + 1
  local fields = entry[2]
  for i = 1, #fields - 1, 2 do
    if fields[i] == 's' then
      local text = fields[i + 1]
      for at = 1, #text - 29, 30 do
        local expiry = tonumber(string.sub(text, at + 22, at + 29), 16)
        if expiry and expiry * 1000 > liveAfter then sessions[#sessions + 1] = string.sub(text, at, at + 29) end
      end
    elseif fields[i] == 'u' then
      local ok, list = pcall(cjson.decode, fields[i + 1])
      if ok and type(list) == 'table' then
        for _, user in ipairs(list) do
          if type(user) == 'table' and type(user[1]) == 'number' and user[1] > liveAfter then users[#users + 1] = user end
        end
      end
    end
  end
end
if last == nil then return 0 end
${LAST_TAG}
local per, n = tonumber(ARGV[4]), 0
local function append(fields)
  local tag = ARGV[5] .. string.format('%02x', n)
  n = n + 1
  redis.call('XADD', KEYS[1], '*', 't', tag, 'p', prev, unpack(fields))
  prev = tag
end
for from = 1, #sessions, per do
  append({'s', table.concat(sessions, '', from, math.min(from + per - 1, #sessions))})
end
for from = 1, #users, per do
  append({'u', cjson.encode({unpack(users, from, math.min(from + per - 1, #users))})})
end
local ms, seq = string.match(last, '^(%d+)-(%d+)$')
redis.call('XTRIM', KEYS[1], 'MINID', ms .. '-' .. (tonumber(seq) + 1))
return read
`;

/** Renews the lock KEYS[1] for ARGV[2] ms if it still holds ARGV[1]; 1 when it did. */
const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes the lock KEYS[1] if it still holds ARGV[1]. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

module.exports = { APPEND, COMPACT, RENEW_LOCK, RELEASE_LOCK };
