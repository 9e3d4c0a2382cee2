// The two steps of the blob store that must be atomic on the broker, as Lua scripts (Redis
// runs a script without interleaving any other client's command):
// - CHECK: is the blob complete (the manifest as read, every chunk there with the length
//   the manifest gives it), and if so extend its TTL. This is how a second put of the same
//   bytes costs a few hundred bytes instead of the blob, and how a node keeps a blob alive.
// - COMMIT: after the chunks are written, write the manifest only if every chunk is there
//   at its length. A reader starts from the manifest, so it never sees a half-written blob.
// A TTL is only ever extended, never shortened: the same key set or weights may serve
// several jobs, and one job asking for a short TTL must not cut another's blob short.
//
// KEYS: the manifest, then the chunks in order. ARGV: ttl (ms, 0 = only check), chunk
// bytes, blob length, manifest text.

const VERIFY_CHUNKS = `
local cb = tonumber(ARGV[2])
local len = tonumber(ARGV[3])
for i = 2, #KEYS do
  if redis.call('STRLEN', KEYS[i]) ~= math.min(cb, len - (i - 2) * cb) then return 0 end
end
`;

const EXTEND = `
local function extend(key, ttl)
  local left = redis.call('PTTL', key)
  if left >= 0 and left < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

export const CHECK_SCRIPT = `${EXTEND}
if redis.call('GET', KEYS[1]) ~= ARGV[4] then return 0 end
${VERIFY_CHUNKS}
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  for i = 1, #KEYS do extend(KEYS[i], ttl) end
end
return 1
`;

export const COMMIT_SCRIPT = `${EXTEND}
${VERIFY_CHUNKS}
local ttl = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], ARGV[4], 'PX', ttl)
for i = 2, #KEYS do extend(KEYS[i], ttl) end
return 1
`;
