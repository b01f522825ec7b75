//! The state changes of a job, each one Lua script so that Redis applies it whole: a worker
//! or server that dies between two commands never leaves a job half-moved.
//!
//! A job is a hash (`spec`, `state`, `attempts`, `batch`, `entry`, `last_error`, ...) and one
//! entry on the jobs stream while it waits or runs. States: `queued` → `running` →
//! `succeeded` | `failed` | `dead`, or `queued` → `cancelled`. A result is stored once
//! (`SET NX`): a job that ran twice keeps its first result.

use redis::Script;

/// Shared by the scripts that can dead-letter a job: marks it `dead`, appends it to the
/// dead-letter stream with the reason, and stores a failed result so a batch's results list
/// every job.
const DEAD_LETTER: &str = r"
local function dead_letter(job, dead_stream, result_key, job_id, attempts, reason, result_ttl, now)
  local batch = redis.call('HGET', job, 'batch') or ''
  redis.call('HSET', job, 'state', 'dead', 'last_error', reason, 'finished', now)
  redis.call('XADD', dead_stream, 'MAXLEN', '~', 100000, '*',
    'job', job_id, 'batch', batch, 'attempts', attempts, 'reason', reason, 'at', now)
  local result = cjson.encode({job_id = job_id, success = false, state = 'dead',
    error = 'dead-lettered after ' .. attempts .. ' attempts: ' .. reason})
  redis.call('SET', result_key, result, 'NX', 'EX', result_ttl)
  redis.call('HINCRBY', KEYS[#KEYS], 'dead_lettered', 1)
end
";

/// Puts jobs on the stream, all or none: refused whole when the stream would pass its cap or
/// an id is taken.
///
/// KEYS: stream, batch hash, batch job list, stats hash.
/// ARGV: cap, job ttl, job key prefix, batch id (or ''), now, then (id, spec) pairs.
/// Returns `{'ok', n}`, `{'full', length}` or `{'duplicate', id}`.
pub fn enqueue() -> Script {
    Script::new(
        r"
local cap = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local prefix = ARGV[3]
local batch = ARGV[4]
local n = (#ARGV - 5) / 2
local len = redis.call('XLEN', KEYS[1])
if len + n > cap then return {'full', len} end
for i = 0, n - 1 do
  local id = ARGV[6 + 2 * i]
  if redis.call('EXISTS', prefix .. id) == 1 then return {'duplicate', id} end
end
for i = 0, n - 1 do
  local id = ARGV[6 + 2 * i]
  local key = prefix .. id
  local entry = redis.call('XADD', KEYS[1], '*', 'job', id)
  redis.call('HSET', key, 'spec', ARGV[7 + 2 * i], 'state', 'queued', 'attempts', 0,
    'batch', batch, 'entry', entry, 'created', ARGV[5])
  redis.call('EXPIRE', key, ttl)
  if batch ~= '' then redis.call('RPUSH', KEYS[3], id) end
end
if batch ~= '' then
  redis.call('HSET', KEYS[2], 'total', n, 'created', ARGV[5])
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
redis.call('HINCRBY', KEYS[4], 'enqueued', n)
return {'ok', n}
",
    )
}

/// A worker takes a job it read (new or reclaimed): counts the attempt and marks it running,
/// or dead-letters it past the maximum, or tells the worker to drop the entry (cancelled,
/// finished, expired).
///
/// KEYS: job hash, dead stream, result key, stats hash.
/// ARGV: max attempts, consumer, now, result ttl, job id.
/// Returns `{'run', attempts, spec}`, `{'dead', reason}`, `{'skip', state}` or `{'gone'}`.
pub fn take() -> Script {
    Script::new(&format!(
        r"{DEAD_LETTER}
if redis.call('EXISTS', KEYS[1]) == 0 then return {{'gone'}} end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return {{'skip', state}} end
if state == 'running' then
  local previous = redis.call('HGET', KEYS[1], 'worker') or '?'
  redis.call('HSET', KEYS[1], 'last_error',
    'worker ' .. previous .. ' stopped answering before finishing it')
  redis.call('HINCRBY', KEYS[4], 'reclaimed', 1)
end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts > tonumber(ARGV[1]) then
  local reason = redis.call('HGET', KEYS[1], 'last_error') or 'no attempt finished'
  dead_letter(KEYS[1], KEYS[2], KEYS[3], ARGV[5], attempts - 1, reason, ARGV[4], ARGV[3])
  return {{'dead', reason}}
end
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[2], 'started', ARGV[3])
return {{'run', tostring(attempts), redis.call('HGET', KEYS[1], 'spec')}}
"
    ))
}

/// Stores a finished job's result (first one wins), then acknowledges and deletes its entry.
///
/// KEYS: job hash, result key, stream.
/// ARGV: result JSON, result ttl, final state, group, entry id, now.
/// Returns 1 when this result was stored, 0 when the job already had one.
pub fn finish() -> Script {
    Script::new(
        r"
local stored = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2])
if stored and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'state', ARGV[3], 'finished', ARGV[6])
end
redis.call('XACK', KEYS[3], ARGV[4], ARGV[5])
redis.call('XDEL', KEYS[3], ARGV[5])
if stored then return 1 else return 0 end
",
    )
}

/// An attempt ended without an outcome of the code's own (no sandbox, or the harness died
/// without reporting): records why, and puts the job back on the stream, or dead-letters it
/// when it has had its attempts. `refund` (1) takes the attempt back: the worker is stopping,
/// the job is not at fault.
///
/// KEYS: job hash, dead stream, result key, stream, stats hash.
/// ARGV: max attempts, reason, group, entry id, result ttl, job id, now, refund.
/// Returns `'requeued'`, `'dead'` or `'gone'`.
pub fn retry() -> Script {
    Script::new(&format!(
        r"{DEAD_LETTER}
redis.call('XACK', KEYS[4], ARGV[3], ARGV[4])
redis.call('XDEL', KEYS[4], ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'running' and state ~= 'queued' then return 'gone' end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if ARGV[8] == '1' then
  attempts = attempts - 1
  redis.call('HSET', KEYS[1], 'attempts', attempts)
else
  redis.call('HSET', KEYS[1], 'last_error', ARGV[2])
end
if attempts >= tonumber(ARGV[1]) then
  dead_letter(KEYS[1], KEYS[2], KEYS[3], ARGV[6], attempts, ARGV[2], ARGV[5], ARGV[7])
  return 'dead'
end
local entry = redis.call('XADD', KEYS[4], '*', 'job', ARGV[6])
redis.call('HSET', KEYS[1], 'state', 'queued', 'entry', entry)
return 'requeued'
"
    ))
}

/// Cancels the jobs among ARGV[2..] that are still queued: marks them and deletes their
/// entries, so they stop counting against the queue cap.
///
/// KEYS: stream. ARGV: job key prefix, then job ids. Returns how many were cancelled.
pub fn cancel() -> Script {
    Script::new(
        r"
local n = 0
for i = 2, #ARGV do
  local key = ARGV[1] .. ARGV[i]
  if redis.call('HGET', key, 'state') == 'queued' then
    redis.call('HSET', key, 'state', 'cancelled')
    local entry = redis.call('HGET', key, 'entry')
    if entry then redis.call('XDEL', KEYS[1], entry) end
    n = n + 1
  end
end
return n
",
    )
}
