#include "cluster/scripts.h"

#include <openssl/evp.h>

#include <span>

namespace wirechat::cluster::scripts {

namespace {

// Every script starts with this. ARGV[1] is the key prefix (--redis-prefix).
//
// The keys, after the prefix:
//   last_id          the last message id given (a decimal string)
//   guests           the guest counter
//   nicks            hash: nickname -> the node whose client holds it
//   nodes            sorted set: node -> when it expires (Redis's clock, ms)
//   node:<node>      hash: nickname -> room, the node's clients
//   members:<room>   sorted set of nicknames, all scores 0: byte order
//   counts           hash: room -> members, for rooms with any
//   history:<room>   stream of the room's messages, entry id <message id>-0,
//                    field m = the message's JSON
// and the channel `events` (cluster/event.h).
//
// One invariant: a nickname is in members:<room> exactly when some node's
// hash maps it to <room> and `nicks` maps it to that node. add() and drop()
// are the only writers, and keep it.
//
// Ids in Lua are doubles: exact below 2^53, which ids stay below until
// the year 2248. They are written with %d, never tostring() (1.8e+15).
constexpr std::string_view prelude = R"LUA(
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function alive(node, now)
  local e = redis.call('ZSCORE', P .. 'nodes', node)
  return e and tonumber(e) > now
end
local touched = {}
local function touch(room) if room then touched[room] = true end end
-- Puts `nick`, held by `node`, in `room`, out of the room it was in.
local function place(node, nick, room)
  local old = redis.call('HGET', P .. 'node:' .. node, nick)
  if old == room then return end
  if old and redis.call('ZREM', P .. 'members:' .. old, nick) == 1 then
    if redis.call('HINCRBY', P .. 'counts', old, -1) <= 0 then redis.call('HDEL', P .. 'counts', old) end
  end
  redis.call('HSET', P .. 'node:' .. node, nick, room)
  if redis.call('ZADD', P .. 'members:' .. room, 0, nick) == 1 then
    redis.call('HINCRBY', P .. 'counts', room, 1)
  end
  touch(old)
  touch(room)
end
local function add(node, nick, room)
  redis.call('HSET', P .. 'nicks', nick, node)
  place(node, nick, room)
end
-- Takes `nick` of `owner`'s out of everything.
local function drop(owner, nick)
  local room = redis.call('HGET', P .. 'node:' .. owner, nick)
  redis.call('HDEL', P .. 'node:' .. owner, nick)
  if redis.call('HGET', P .. 'nicks', nick) == owner then redis.call('HDEL', P .. 'nicks', nick) end
  if room and redis.call('ZREM', P .. 'members:' .. room, nick) == 1 then
    if redis.call('HINCRBY', P .. 'counts', room, -1) <= 0 then redis.call('HDEL', P .. 'counts', room) end
  end
  touch(room)
end
-- Whether `node` may take `nick`: nobody alive holds it. One held by a
-- node that died is freed here, before the reaper comes by.
local function claim(node, nick, now)
  local owner = redis.call('HGET', P .. 'nicks', nick)
  if not owner then return true end
  if alive(owner, now) then return false end
  drop(owner, nick)
  return true
end
local function guest(node, now)
  while true do
    local name = 'guest-' .. redis.call('INCR', P .. 'guests')
    if claim(node, name, now) then return name end
  end
end
-- Every node's heartbeat also takes out nodes that stopped beating.
local function reap(dead)
  local held = redis.call('HGETALL', P .. 'node:' .. dead)
  for i = 1, #held, 2 do drop(dead, held[i]) end
  redis.call('DEL', P .. 'node:' .. dead)
  redis.call('ZREM', P .. 'nodes', dead)
end
-- Tells every node (this one too) which rooms' presence changed.
local function announce()
  local rooms = {}
  for room in pairs(touched) do rooms[#rooms + 1] = room end
  if #rooms > 0 then redis.call('PUBLISH', P .. 'events', 'p ' .. table.concat(rooms, ' ')) end
end
local function last_id() return tonumber(redis.call('GET', P .. 'last_id') or '0') end
-- A `since` argument: '' when not asked.
local function since_of(text) if text == '' then return nil end return tonumber(text) end
local function id_of(entry) return tonumber(string.match(entry, '^(%d+)')) end
-- A room as a client entering it sees it: {users, count, history,
-- recovered (1, 0, or -1 when `since` was not asked), the last id given}.
-- The stream keeps one message more than is shown: a client that missed
-- exactly `shown` still finds the one it saw last, which is how we know
-- that nothing after it was trimmed.
local function snapshot(room, since, shown, listed)
  local users = redis.call('ZRANGE', P .. 'members:' .. room, 0, listed - 1)
  local count = redis.call('ZCARD', P .. 'members:' .. room)
  local key = P .. 'history:' .. room
  local last = last_id()
  local recovered = -1
  local entries
  if since then
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    if #oldest > 0 and id_of(oldest[1][1]) <= since and since <= last then
      recovered = 1
      entries = redis.call('XRANGE', key, '(' .. string.format('%d', since) .. '-0', '+')
    else
      recovered = 0
    end
  end
  local history = {}
  if entries then
    for i = 1, #entries do history[i] = entries[i][2][2] end
  else
    entries = redis.call('XREVRANGE', key, '+', '-', 'COUNT', shown)
    for i = #entries, 1, -1 do history[#history + 1] = entries[i][2][2] end
  end
  return {users, count, history, recovered, string.format('%d', last)}
end
)LUA";

std::string with_prelude(std::string_view body) {
    std::string text(prelude);
    text += body;
    return text;
}

}  // namespace

Script::Script(std::string_view script_name, std::string script_text)
    : name(script_name), text(std::move(script_text)) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char byte : std::span(digest, size)) {
        sha1 += hex[byte >> 4];
        sha1 += hex[byte & 15];
    }
}

// ARGV: P, node, nickname ('' for a guest name), room, since ('' for none),
// shown, listed. Returns {nickname, snapshot...}.
const Script enter{"enter", with_prelude(R"LUA(
local node, room = ARGV[2], ARGV[4]
local now = now_ms()
if not alive(node, now) then return redis.error_reply('NODE not registered') end
local nick = ARGV[3]
if nick == '' or not claim(node, nick, now) then nick = guest(node, now) end
add(node, nick, room)
announce()
local view = snapshot(room, since_of(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
table.insert(view, 1, nick)
return view
)LUA")};

// ARGV: P, node, nickname, room, since, shown, listed. Returns a snapshot.
const Script move{"move", with_prelude(R"LUA(
local node, nick, room = ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()
if not alive(node, now) then return redis.error_reply('NODE not registered') end
if redis.call('HGET', P .. 'nicks', nick) ~= node then return redis.error_reply('NODE lost ' .. nick) end
add(node, nick, room)
announce()
return snapshot(room, since_of(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
)LUA")};

// ARGV: P, room, since, shown. A snapshot without entering (users empty).
const Script look{"look", with_prelude(R"LUA(
return snapshot(ARGV[2], since_of(ARGV[3]), tonumber(ARGV[4]), 1)
)LUA")};

// ARGV: P, node, from, to, room. Returns 1, or 0 when `to` is taken.
const Script rename{"rename", with_prelude(R"LUA(
local node, from, to = ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()
if not alive(node, now) then return redis.error_reply('NODE not registered') end
if redis.call('HGET', P .. 'nicks', from) ~= node then return redis.error_reply('NODE lost ' .. from) end
if not claim(node, to, now) then return 0 end
local room = redis.call('HGET', P .. 'node:' .. node, from) or ARGV[5]
drop(node, from)
add(node, to, room)
announce()
return 1
)LUA")};

// ARGV: P, node, nickname.
const Script leave{"leave", with_prelude(R"LUA(
drop(ARGV[2], ARGV[3])
announce()
return 1
)LUA")};

// ARGV: P, room, message tail (the payload after its id), kept, ttl seconds.
// Gives the id (above every id given before, and the clock's milliseconds
// times 1024 when that is higher, so that ids outlast a Redis that lost
// its data), stores the message, then publishes it. Returns the id.
const Script post{"post", with_prelude(R"LUA(
local room = ARGV[2]
local key = P .. 'history:' .. room
local id = math.max(last_id() + 1, now_ms() * 1024)
local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #top > 0 and id_of(top[1][1]) >= id then id = id_of(top[1][1]) + 1 end
local sid = string.format('%d', id)
redis.call('SET', P .. 'last_id', sid)
local json = '{"id":' .. sid .. ARGV[3]
redis.call('XADD', key, 'MAXLEN', ARGV[4], sid .. '-0', 'm', json)
redis.call('EXPIRE', key, ARGV[5])
redis.call('PUBLISH', P .. 'events', 'm ' .. room .. ' ' .. json)
return sid
)LUA")};

// ARGV: P, listed, room... Returns {room, users, count, ...}.
const Script presence{"presence", with_prelude(R"LUA(
local out = {}
for i = 3, #ARGV do
  local key = P .. 'members:' .. ARGV[i]
  out[#out + 1] = ARGV[i]
  out[#out + 1] = redis.call('ZRANGE', key, 0, tonumber(ARGV[2]) - 1)
  out[#out + 1] = redis.call('ZCARD', key)
end
return out
)LUA")};

// ARGV: P, node, ttl ms. Keeps the node registered (returns 1; 0 if it was
// not, and must register its clients again), reaps nodes whose time ran
// out, and publishes "h <node>" for the node to hear itself.
const Script heartbeat{"heartbeat", with_prelude(R"LUA(
local node = ARGV[2]
local now = now_ms()
local was = alive(node, now)
if was then redis.call('ZADD', P .. 'nodes', now + tonumber(ARGV[3]), node) end
local dead = redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now, 'LIMIT', 0, 16)
for _, other in ipairs(dead) do
  if other ~= node then reap(other) end
end
announce()
redis.call('PUBLISH', P .. 'events', 'h ' .. node)
return was and 1 or 0
)LUA")};

// ARGV: P, node, ttl ms, reset ('1' for the first batch), then nickname,
// room pairs: the node's clients. The first batch takes out whatever the
// node had registered before (an outage may have left it stale) and
// registers the node. A nickname taken meanwhile by another node's client
// is replaced by a guest name. Returns {old, new, ...} for those.
const Script resync{"resync", with_prelude(R"LUA(
local node = ARGV[2]
local now = now_ms()
if ARGV[4] == '1' then
  reap(node)
  redis.call('ZADD', P .. 'nodes', now + tonumber(ARGV[3]), node)
end
local renamed = {}
for i = 5, #ARGV, 2 do
  local nick, room = ARGV[i], ARGV[i + 1]
  if not claim(node, nick, now) then
    local fresh = guest(node, now)
    renamed[#renamed + 1] = nick
    renamed[#renamed + 1] = fresh
    nick = fresh
  end
  add(node, nick, room)
end
announce()
return renamed
)LUA")};

// ARGV: P, since, room... The messages after `since` in each room, for a
// node whose subscription broke, with whether the room's stream still holds
// everything after `since` (1) or dropped some of it (0). Returns
// {last id, room, complete, {json...}, ...}.
//
// `since` is the last id the node delivered: if last_id is below it, Redis
// lost its data (or is another one), and ids start again above it, so that
// no node takes a new message for one it already had.
const Script recover{"recover", with_prelude(R"LUA(
local since = tonumber(ARGV[2])
if last_id() < since then redis.call('SET', P .. 'last_id', ARGV[2]) end
local out = {string.format('%d', last_id())}
for i = 3, #ARGV do
  local key = P .. 'history:' .. ARGV[i]
  local entries = redis.call('XRANGE', key, '(' .. ARGV[2] .. '-0', '+')
  local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
  local complete = 1
  if #oldest > 0 and id_of(oldest[1][1]) > since then
    -- Not back to `since`: complete only if the stream never dropped any.
    local info = redis.call('XINFO', 'STREAM', key)
    local fields = {}
    for j = 1, #info, 2 do fields[info[j]] = info[j + 1] end
    if fields['entries-added'] ~= fields['length'] then complete = 0 end
  end
  local messages = {}
  for j = 1, #entries do messages[j] = entries[j][2][2] end
  out[#out + 1] = ARGV[i]
  out[#out + 1] = complete
  out[#out + 1] = messages
end
return out
)LUA")};

// ARGV: P, node. A node leaving for good takes its clients out at once.
const Script bye{"bye", with_prelude(R"LUA(
reap(ARGV[2])
announce()
return 1
)LUA")};

const Script* const all[] = {&enter, &move, &look, &rename, &leave, &post,
                             &presence, &heartbeat, &resync, &recover, &bye};

}  // namespace wirechat::cluster::scripts
