#!/usr/bin/env node
/*
 * Test harness around the `telegram-test-api` 4.2.1 Telegram Bot API emulator.
 *
 * Usage: node tests/e2e/emulator.js [--port N] [--host H] [--username NAME]
 *        (or env TG_EMULATOR_PORT / TG_EMULATOR_HOST / TG_EMULATOR_BOT_USERNAME,
 *         TG_EMULATOR_BOT_FIRST_NAME, TG_EMULATOR_STORE_TIMEOUT seconds)
 * Prints `READY <port>` on stdout once listening; stops on SIGTERM/SIGINT.
 *
 * The emulator is used as-is (node_modules is never edited). Its express app is
 * mounted behind an outer express app whose routes run AHEAD of the emulator's,
 * and which adds only what python-telegram-bot (PTB) v22 cannot work without:
 *
 *  Bot API fixes (the emulator answers these, but in a shape PTB rejects):
 *  - getMe: the emulator omits `is_bot` (PTB raises TypeError) -> full User.
 *  - sendMessage: the emulator returns `date` in MILLISECONDS (PTB raises
 *    "year ... out of range") -> the response's date is converted to seconds.
 *    It also stores and echoes object parameters other than reply_markup and
 *    entities as the JSON strings PTB sent (`link_preview_options` then fails
 *    to parse in PTB) -> they are decoded before the emulator sees them, so the
 *    stored message and the response both hold objects.
 *    The message is still stored by the emulator.
 *  - editMessageText / editMessageReplyMarkup: the emulator applies the edit
 *    but answers `result: null` (PTB raises AttributeError) -> the edited
 *    message is returned; if no such bot message exists, 400 "message to edit
 *    not found" (as Telegram does) instead of a silent ok. Object parameters are
 *    decoded first, as for sendMessage.
 *  - editMessageReplyMarkup without `reply_markup` (how the Bot API removes an
 *    inline keyboard): the emulator ignores it (it only merges a new keyboard)
 *    -> the stored message's keyboard is removed here.
 *  - webhooks: the emulator POSTs updates with axios but never sends the
 *    `X-Telegram-Bot-Api-Secret-Token` header (PTB answers 403) -> an axios
 *    request interceptor adds it. A failed webhook delivery rejects a promise
 *    nobody awaits, which would crash node -> failures are logged instead.
 *
 *  - getUpdates: the emulator marks each update read as soon as it returns it, so an
 *    update whose getUpdates answer never reached the bot is lost -> Telegram's
 *    semantics: an update is confirmed only by a later call's `offset`; `limit` holds.
 *  - getUpdates: the emulator answers at once even with `timeout` (so a polling
 *    bot spins in a tight loop, burning a CPU core) -> long polling as on
 *    Telegram: with `timeout` > 0 and nothing queued, the request is held until
 *    an update is queued for that token or the timeout (capped) expires.
 *
 *  Bot API methods the emulator lacks entirely:
 *  - answerInlineQuery: recorded and answered ok:true (no inline support at all
 *    in the emulator). Unknown inline_query_id -> 400, like Telegram.
 *
 *  - getFile and the file download path ({api}/file/bot{token}/{file_path}): the
 *    emulator has no files -> a test registers a file's bytes (POST /_harness/files)
 *    and sends a `document` message with its file_id (via injectUpdate); getFile
 *    answers its File object and the download path serves its bytes, as Telegram does.
 *  - getChatMember: answered from what the test declares (POST /_harness/chatMembers
 *    {token, chat_id, user_id, status}); anyone else is a plain "member".
 *
 *  Client API (the simulated user):
 *  - POST /sendMessage: replaced. The emulator's answers `result: null` and, in
 *    webhook mode, takes message_id/update_id only after the webhook POST returns,
 *    so concurrent messages share ids -> ids are taken up front and the update is
 *    returned. (/_harness/injectUpdate takes its update_id up front likewise.)
 *
 *  Test-only routes (prefix /_harness, not part of the Bot API):
 *  - POST /_harness/injectUpdate {token, update}: queues an arbitrary update
 *    (inline_query, callback_query, edited_message, ...) through the
 *    emulator's own update queue, so getUpdates AND webhook delivery work.
 *    Needed because the emulator's client API only creates `message` and
 *    `callback_query` updates, and its callback_query drops `chat_instance`
 *    (required by PTB) and every other field but id/from/message/data.
 *  - GET /_harness/inlineAnswers?token=T: recorded answerInlineQuery calls.
 *  - GET /_harness/calls?token=T[&method=M]: passive log of every Bot API call
 *    (method, decoded params, HTTP status); requests still reach the emulator.
 *    Capped per token and method, so a bot polling getUpdates in a tight loop
 *    never pushes its other calls out of the log.
 *  - GET /_harness/userUpdates?token=T: every update the emulator generated for
 *    the bot (from its client API or injected), with delivery mode and status, and
 *    `confirmed` (getUpdates: a later call's offset passed it).
 *  - GET /_harness/webhook/:token: the registered webhook (or null).
 *  - POST /_harness/faults {method, kind: 429|4xx|5xx|timeout|timeout_after, count,
 *    retry_after, hold_ms, token?}: the next `count` calls of `method` fail that way
 *    ("timeout": held unanswered before the emulator sees it; "timeout_after": the
 *    emulator acts, the answer is withheld). GET lists pending and injected faults;
 *    DELETE clears them.
 *
 * In-memory instrumentation (no file is patched): the server instance's
 * addUserUpdate is wrapped (update log, no crash on webhook failure) and the
 * static TelegramServer.formatUpdate serializes injected updates verbatim.
 *
 * Everything else (sendChatAction, setMyCommands, getWebhookInfo, ... -> HTTP
 * 500 "not supported") is the emulator's real behaviour and is NOT faked.
 */
'use strict';

const path = require('path');

const TelegramServer = require('telegram-test-api');

// The emulator's own express and axios (its dependencies, not the project's).
const emulatorDir = path.dirname(require.resolve('telegram-test-api/package.json'));
const express = require(require.resolve('express', { paths: [emulatorDir] }));
const axios = require(require.resolve('axios', { paths: [emulatorDir] }));

function argValue(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

const PORT = Number(argValue('port') || process.env.TG_EMULATOR_PORT || 9000);
const HOST = argValue('host') || process.env.TG_EMULATOR_HOST || '127.0.0.1';
const BOT_USERNAME = argValue('username') || process.env.TG_EMULATOR_BOT_USERNAME
  || 'docqa_test_bot';
const BOT_FIRST_NAME = process.env.TG_EMULATOR_BOT_FIRST_NAME || 'DocQA Test Bot';
const STORE_TIMEOUT = Number(process.env.TG_EMULATOR_STORE_TIMEOUT || 3600);
const LOG_LIMIT = 5000;
const LONG_POLL_CAP_MS = 30000;

const server = new TelegramServer({
  port: PORT, host: HOST, storage: 'RAM', storeTimeout: STORE_TIMEOUT,
});
// Telegram's update ids never go back; a restarted emulator continues above the old
// ones (else a bot's getUpdates offset would confirm, i.e. drop, the new updates).
if (process.env.TG_EMULATOR_FIRST_UPDATE_ID) {
  server.updateId = Number(process.env.TG_EMULATOR_FIRST_UPDATE_ID);
}

// ---------------------------------------------------------------- helpers

/** Bot id as Telegram derives it: the numeric part of the token. */
function botId(token) {
  const n = Number(String(token).split(':')[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : 666;
}

function botUser(token) {
  return {
    id: botId(token), is_bot: true, first_name: BOT_FIRST_NAME, username: BOT_USERNAME,
  };
}

// Free-text parameters: never JSON-decoded even if they look like JSON.
const TEXT_PARAMS = new Set([
  'text', 'caption', 'query', 'title', 'description', 'message_text', 'url', 'secret_token',
  'callback_query_id', 'inline_query_id', 'next_offset',
]);

/** Decode form values: PTB JSON-encodes non-string params (numbers, bools, objects). */
function decodeParams(params) {
  const out = {};
  for (const [key, value] of Object.entries(params || {})) {
    if (!TEXT_PARAMS.has(key) && typeof value === 'string'
        && /^([[{]|-?\d+(\.\d+)?$|true$|false$|null$)/.test(value)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch (e) { /* keep raw string */ }
    }
    out[key] = value;
  }
  return out;
}

/** JSON-decode the object/array parameters PTB form-encodes (`{...}`, `[...]`), in place. */
function decodeObjectParams(params) {
  for (const [key, value] of Object.entries(params || {})) {
    if (!TEXT_PARAMS.has(key) && typeof value === 'string' && /^[[{]/.test(value)) {
      try {
        params[key] = JSON.parse(value);
      } catch (e) { /* keep raw string */ }
    }
  }
  return params;
}

function pushCapped(list, item) {
  list.push(item);
  if (list.length > LOG_LIMIT) list.splice(0, list.length - LOG_LIMIT);
}

function badRequest(res, description) {
  res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
}

/** Wrap res.json so `fix(body)` can rewrite the emulator's response body. */
function rewriteJson(res, fix) {
  const original = res.json.bind(res);
  res.json = (body) => {
    const fixed = fix(body);
    return original(fixed === undefined ? body : fixed);
  };
}

/** Build a Bot API Message object from an emulator bot-message record. */
function botRecordToMessage(record) {
  const msg = { ...record.message };
  delete msg.chat_id;
  delete msg.botToken;
  return {
    ...msg,
    message_id: record.messageId,
    from: botUser(record.botToken),
    date: Math.floor(record.time / 1000),
    chat: { id: Number(record.message.chat_id), type: 'private', first_name: 'Bot' },
  };
}

// ---------------------------------------------------------------- state

const calls = new Map(); // `${token} ${method}` -> Bot API requests (each list capped)
let callSeq = 0;
const inlineAnswers = []; // answerInlineQuery calls
const inlineQueryIds = new Map(); // token -> Set of injected inline query ids
const userUpdates = []; // every update generated for a bot
const files = new Map(); // `${token} ${file_id}` -> {file_id, file_unique_id, file_size, file_path, bytes}
let fileSeq = 0;
const chatMembers = new Map(); // `${token} ${chat_id} ${user_id}` -> status

// Long polling: getUpdates requests waiting for an update, by token.
const pollWaiters = new Map(); // token -> Set of wake-up functions

function wakePollers(token) {
  const waiters = pollWaiters.get(token);
  if (!waiters) return;
  pollWaiters.delete(token);
  for (const wake of waiters) wake();
}

function wakeAllPollers() {
  for (const token of [...pollWaiters.keys()]) wakePollers(token);
}

function hasQueuedUpdates(token) {
  return server.storage.userMessages.some((u) => u.botToken === token && !u.isRead);
}

// Record every update the emulator generates (client API or injection) and keep
// a failed webhook delivery from becoming an unhandled rejection.
const originalAddUserUpdate = server.addUserUpdate.bind(server);
server.addUserUpdate = async (update) => {
  const entry = {
    token: update.botToken,
    update: TelegramServer.formatUpdate(update),
    delivery: server.webhooks[update.botToken] ? 'webhook' : 'queue',
    status: 'pending',
  };
  // The stored record (not serialized): its isRead says whether it was confirmed.
  Object.defineProperty(entry, 'record', { value: update, enumerable: false });
  pushCapped(userUpdates, entry);
  try {
    // Without a webhook the emulator queues the update synchronously, before its
    // first await: long-polling getUpdates can be woken right after the call.
    const added = originalAddUserUpdate(update);
    wakePollers(update.botToken);
    await added;
    entry.status = 'ok';
  } catch (error) {
    entry.status = 'failed';
    entry.error = String(error);
    process.stderr.write(`webhook delivery failed: ${error}\n`);
  }
};

// Injected updates are stored with a `rawUpdate` field; serialize them verbatim
// (the emulator's formatUpdate only knows `message` and its own callback shape).
const originalFormatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  if (update && update.rawUpdate) {
    return { ...update.rawUpdate, update_id: update.updateId };
  }
  return originalFormatUpdate(update);
};

// Telegram sends the secret token with every webhook request; the emulator doesn't.
axios.interceptors.request.use((config) => {
  for (const webhook of Object.values(server.webhooks)) {
    if (webhook && webhook.url === config.url && webhook.secret_token) {
      config.headers = config.headers || {};
      config.headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
    }
  }
  return config;
});

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in emulator: ${reason}\n`);
});

// ---------------------------------------------------------------- routes

const app = express();
app.use(express.json({ limit: '20mb' }));
app.use(express.urlencoded({ extended: true, limit: '20mb' }));

// Passive recorder: logs the call and lets it continue to the emulator.
app.all('/bot:token/:method', (req, res, next) => {
  const entry = {
    token: req.params.token,
    method: req.params.method,
    params: decodeParams({ ...req.query, ...req.body }),
    time: Date.now(),
    seq: callSeq += 1,
    status: null,
  };
  const key = `${entry.token} ${entry.method}`;
  if (!calls.has(key)) calls.set(key, []);
  pushCapped(calls.get(key), entry);
  res.on('finish', () => { entry.status = res.statusCode; });
  next();
});

// Fault injection (POST /_harness/faults): the next `count` calls of `method` fail.
//  - kind 429: HTTP 429 with parameters.retry_after (flood control);
//  - kind 500 (any 5xx, or another 4xx such as 401): that HTTP error, nothing done;
//  - kind "timeout": the request is held unanswered (never reaches the emulator, so
//    nothing is stored or consumed) until the client gives up or `hold_ms` passes;
//  - kind "timeout_after": the emulator DOES handle the call (a sendMessage is stored,
//    getUpdates consumes updates) but the answer is withheld: the client times out
//    although the call took effect (what Telegram can do; there is no idempotency key).
const faults = []; // pending {token, method, kind, count, retry_after, hold_ms}
const faultLog = []; // injected: {token, method, kind, time}

function takeFault(token, method) {
  const fault = faults.find((f) => f.method === method && (!f.token || f.token === token)
    && f.count > 0);
  if (!fault) return null;
  fault.count -= 1;
  if (fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
  pushCapped(faultLog, { token, method, kind: fault.kind, time: Date.now() });
  return fault;
}

function holdUnanswered(req, res, holdMs) {
  const timer = setTimeout(() => req.socket.destroy(), holdMs);
  res.on('close', () => clearTimeout(timer));
}

app.all('/bot:token/:method', (req, res, next) => {
  const fault = takeFault(req.params.token, req.params.method);
  if (!fault) {
    next();
    return;
  }
  const kind = String(fault.kind);
  const holdMs = Number(fault.hold_ms) || 60000;
  if (kind === '429') {
    const retryAfter = Number(fault.retry_after) || 1;
    res.status(429).json({
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
  } else if (/^[45]\d\d$/.test(kind)) {
    const description = kind.startsWith('5') ? 'Internal Server Error (injected)'
      : `Error ${kind} (injected)`;
    res.status(Number(kind)).json({ ok: false, error_code: Number(kind), description });
  } else if (kind === 'timeout') {
    holdUnanswered(req, res, holdMs);
  } else if (kind === 'timeout_after') {
    // Let the emulator act, then swallow its answer.
    res.json = () => res;
    res.send = () => res;
    holdUnanswered(req, res, holdMs);
    next();
  } else {
    next();
  }
});

// getUpdates, step 1: confirm by `offset`, as Telegram does. The emulator marks every
// update it returns as read at once, so an update fetched by a call whose answer never
// arrived (the bot timed out, or stopped and sent its final confirming call with
// `limit=1`) was lost. On Telegram an update is gone only once a later call's `offset`
// passes it. Here: updates below `offset` are confirmed (read); the rest stay queued
// and are answered (at most `limit`) until confirmed.
app.all('/bot:token/getUpdates', (req, res, next) => {
  const params = decodeParams({ ...req.query, ...req.body });
  const offset = Number(params.offset);
  if (Number.isFinite(offset) && offset > 0) {
    for (const u of server.storage.userMessages) {
      if (u.botToken === req.params.token && !u.isRead && u.updateId < offset) u.isRead = true;
    }
  }
  next();
});

// getUpdates: hold the request (long polling) while nothing is queued.
app.all('/bot:token/getUpdates', (req, res, next) => {
  const { token } = req.params;
  const params = decodeParams({ ...req.query, ...req.body });
  const timeoutMs = Math.min(Number(params.timeout) * 1000 || 0, LONG_POLL_CAP_MS);
  if (timeoutMs <= 0 || stopping || hasQueuedUpdates(token)) {
    next();
    return;
  }
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    const waiters = pollWaiters.get(token);
    if (waiters) waiters.delete(finish);
    if (!res.writableEnded && !res.destroyed) next();
  };
  const timer = setTimeout(finish, timeoutMs);
  if (!pollWaiters.has(token)) pollWaiters.set(token, new Set());
  pollWaiters.get(token).add(finish);
  res.on('close', () => {
    // The bot gave up (e.g. it is stopping): forget the request.
    if (!done && !res.writableEnded) {
      done = true;
      clearTimeout(timer);
      const waiters = pollWaiters.get(token);
      if (waiters) waiters.delete(finish);
    }
  });
});

// getUpdates, step 2 (after the long poll): the unconfirmed updates, oldest first, at
// most `limit`; they stay queued until a later call's `offset` confirms them.
app.all('/bot:token/getUpdates', (req, res) => {
  const params = decodeParams({ ...req.query, ...req.body });
  const limit = Math.min(Math.max(Number(params.limit) || 100, 1), 100);
  const result = server.storage.userMessages
    .filter((u) => u.botToken === req.params.token && !u.isRead)
    .sort((a, b) => a.updateId - b.updateId)
    .slice(0, limit)
    .map((u) => TelegramServer.formatUpdate(u));
  res.json({ ok: true, result });
});

// getMe: complete User object (the emulator's lacks is_bot & co).
app.all('/bot:token/getMe', (req, res) => {
  res.json({
    ok: true,
    result: {
      ...botUser(req.params.token),
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: true,
    },
  });
});

// sendMessage: the emulator stores the message; its `date` (ms) is fixed, and
// JSON-encoded object parameters (link_preview_options, reply_parameters...) are
// decoded first, so neither the store nor the response holds them as strings.
app.all('/bot:token/sendMessage', (req, res, next) => {
  decodeObjectParams(req.body);
  rewriteJson(res, (body) => {
    if (body && body.ok && body.result && typeof body.result.date === 'number') {
      const result = { ...body.result, date: Math.floor(body.result.date / 1000) };
      if (!result.from) result.from = botUser(req.params.token);
      return { ...body, result };
    }
    return body;
  });
  next();
});

// editMessageText / editMessageReplyMarkup: the emulator edits its stored message
// but answers `result: null`; answer with the edited message like Telegram does.
for (const method of ['editMessageText', 'editMessageReplyMarkup']) {
  app.all(`/bot:token/${method}`, (req, res, next) => {
    const params = { ...req.query, ...req.body };
    if (params.inline_message_id) {
      // Messages sent via inline mode are not stored by the emulator.
      badRequest(res, 'inline messages are not supported by the emulator');
      return;
    }
    const findRecord = () => server.storage.botMessages.find((u) => (
      u.botToken === req.params.token
      && String(u.messageId) === String(params.message_id)
      && String(u.message.chat_id) === String(params.chat_id)));
    if (!findRecord()) {
      badRequest(res, 'message to edit not found');
      return;
    }
    // As for sendMessage: object parameters (link_preview_options...) are stored and
    // echoed as objects, not as the JSON strings PTB sent.
    decodeObjectParams(req.body);
    if (method === 'editMessageReplyMarkup' && !params.reply_markup) {
      // No reply_markup: Telegram removes the inline keyboard; the emulator ignores it.
      const record = findRecord();
      delete record.message.reply_markup;
      res.json({ ok: true, result: botRecordToMessage(record) });
      return;
    }
    rewriteJson(res, (body) => {
      const record = findRecord();
      if (body && body.ok && body.result == null && record) {
        return { ...body, result: botRecordToMessage(record) };
      }
      return body;
    });
    next();
  });
}

// answerInlineQuery: not implemented by the emulator; record it.
app.all('/bot:token/answerInlineQuery', (req, res) => {
  const { token } = req.params;
  const params = decodeParams({ ...req.query, ...req.body });
  const known = inlineQueryIds.get(token);
  if (!known || !known.has(String(params.inline_query_id))) {
    badRequest(res, 'query is too old and response timeout expired or query ID is invalid');
    return;
  }
  pushCapped(inlineAnswers, { token, time: Date.now(), ...params });
  res.json({ ok: true, result: true });
});

// getFile: the File object of a file the test registered (see /_harness/files).
app.all('/bot:token/getFile', (req, res) => {
  const params = decodeParams({ ...req.query, ...req.body });
  const file = files.get(`${req.params.token} ${params.file_id}`);
  if (!file) {
    badRequest(res, 'invalid file_id');
    return;
  }
  const { bytes, ...info } = file;
  res.json({ ok: true, result: info });
});

// The file download path: the registered bytes.
app.get('/file/bot:token/*', (req, res) => {
  const wanted = req.params[0];
  const file = [...files.entries()].find(
    ([key, f]) => key.startsWith(`${req.params.token} `) && f.file_path === wanted,
  );
  if (!file) {
    res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
    return;
  }
  res.type('application/octet-stream').send(file[1].bytes);
});

// getChatMember: the status the test declared (a plain member otherwise).
app.all('/bot:token/getChatMember', (req, res) => {
  const params = decodeParams({ ...req.query, ...req.body });
  const status = chatMembers.get(`${req.params.token} ${params.chat_id} ${params.user_id}`)
    || 'member';
  const user = { id: Number(params.user_id), is_bot: false, first_name: 'User' };
  const member = { status, user };
  if (status === 'creator') member.is_anonymous = false;
  if (status === 'administrator') {
    Object.assign(member, {
      can_be_edited: false, is_anonymous: false, can_manage_chat: true,
      can_delete_messages: true, can_manage_video_chats: true, can_restrict_members: true,
      can_promote_members: false, can_change_info: true, can_invite_users: true,
      can_post_stories: false, can_edit_stories: false, can_delete_stories: false,
    });
  }
  res.json({ ok: true, result: member });
});

// --- test-only routes

app.post('/_harness/files', (req, res) => {
  const { token, name, content_base64: content } = req.body;
  if (!token || !name || typeof content !== 'string') {
    badRequest(res, 'expected {token, name, content_base64}');
    return;
  }
  fileSeq += 1;
  const bytes = Buffer.from(content, 'base64');
  const file = {
    file_id: `file-${fileSeq}`,
    file_unique_id: `unique-${fileSeq}`,
    file_size: bytes.length,
    file_path: `documents/file_${fileSeq}_${name}`,
  };
  files.set(`${token} ${file.file_id}`, { ...file, bytes });
  res.json({ ok: true, result: file });
});

app.post('/_harness/chatMembers', (req, res) => {
  const { token, chat_id: chatId, user_id: userId, status } = req.body;
  if (!token || chatId === undefined || userId === undefined || !status) {
    badRequest(res, 'expected {token, chat_id, user_id, status}');
    return;
  }
  chatMembers.set(`${token} ${chatId} ${userId}`, String(status));
  res.json({ ok: true, result: true });
});

app.post('/_harness/injectUpdate', (req, res) => {
  const { token } = req.body;
  const update = typeof req.body.update === 'string' ? JSON.parse(req.body.update) : req.body.update;
  if (!token || !update || typeof update !== 'object') {
    badRequest(res, 'expected {token, update}');
    return;
  }
  const record = { ...server.getCommonFields(token), rawUpdate: { ...update } };
  server.updateId += 1; // now, not after a webhook delivery (see /sendMessage below)
  if (update.message) {
    // A new message gets the emulator's next message id, like client messages.
    record.rawUpdate.message = { ...update.message, message_id: record.messageId };
    server.messageId += 1;
  }
  if (update.inline_query) {
    if (!inlineQueryIds.has(token)) inlineQueryIds.set(token, new Set());
    inlineQueryIds.get(token).add(String(update.inline_query.id));
  }
  // deleteMessage() in the emulator dereferences `record.message.chat` of every
  // stored record: give injected records a harmless one.
  record.message = update.message ? record.rawUpdate.message : { chat: { id: null } };
  const formatted = TelegramServer.formatUpdate(record);
  server.addUserUpdate(record).then(() => {
    res.json({ ok: true, result: formatted });
  });
});

// Client API: a user sends a message (any content). The emulator's own route answers
// `result: null`, so the caller cannot tell which update it made, and in webhook mode it
// takes the message_id/update_id only AFTER the webhook POST returns, so messages sent
// meanwhile share ids. Here the ids are taken up front and the update is returned.
app.post('/sendMessage', (req, res) => {
  const message = req.body;
  if (!message || typeof message !== 'object' || !message.botToken) {
    badRequest(res, 'expected a message with botToken');
    return;
  }
  const record = { ...server.getCommonFields(message.botToken), message };
  server.messageId += 1;
  server.updateId += 1;
  const formatted = TelegramServer.formatUpdate(record);
  server.addUserUpdate(record).then(() => {
    server.emit('AddedUserMessage');
    res.json({ ok: true, result: formatted });
  });
});

app.post('/_harness/faults', (req, res) => {
  const { method, kind } = req.body;
  const count = Number(req.body.count ?? 1);
  if (!method || !['timeout', 'timeout_after'].includes(String(kind))
      && !/^[45]\d\d$/.test(String(kind))) {
    badRequest(res, 'expected {method, kind: 429|4xx|5xx|timeout|timeout_after, count}');
    return;
  }
  const fault = {
    token: req.body.token || null,
    method,
    kind: String(kind),
    count,
    retry_after: req.body.retry_after,
    hold_ms: req.body.hold_ms,
  };
  faults.push(fault);
  res.json({ ok: true, result: fault });
});

app.get('/_harness/faults', (req, res) => {
  const token = req.query.token;
  res.json({
    ok: true,
    result: {
      pending: faults.filter((f) => !token || !f.token || f.token === token),
      injected: faultLog.filter((f) => !token || f.token === token),
    },
  });
});

app.delete('/_harness/faults', (req, res) => {
  faults.splice(0, faults.length);
  res.json({ ok: true, result: true });
});

app.get('/_harness/inlineAnswers', (req, res) => {
  res.json({ ok: true, result: inlineAnswers.filter((a) => a.token === req.query.token) });
});

app.get('/_harness/calls', (req, res) => {
  const result = [];
  for (const list of calls.values()) {
    for (const c of list) {
      if (c.token === req.query.token && (!req.query.method || c.method === req.query.method)) {
        result.push(c);
      }
    }
  }
  result.sort((a, b) => a.seq - b.seq);
  res.json({ ok: true, result });
});

app.get('/_harness/userUpdates', (req, res) => {
  const result = userUpdates.filter((u) => u.token === req.query.token)
    .map((u) => ({ ...u, confirmed: Boolean(u.record && u.record.isRead) }));
  res.json({ ok: true, result });
});

app.get('/_harness/webhook/:token', (req, res) => {
  res.json({ ok: true, result: server.webhooks[req.params.token] || null });
});

// Everything else: the emulator itself.
app.use(server.webServer);
server.webServer = app; // start() serves this.webServer

// ---------------------------------------------------------------- lifecycle

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  wakeAllPollers();
  setTimeout(() => process.exit(0), 2000).unref();
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.start().then(() => {
  process.stdout.write(`READY ${PORT}\n`);
}).catch((error) => {
  process.stderr.write(`emulator failed to start: ${error}\n`);
  process.exit(1);
});
