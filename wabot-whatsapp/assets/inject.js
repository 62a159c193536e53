// wabot: helpers injected into WhatsApp Web (https://web.whatsapp.com/).
//
// Installed with Page.addScriptToEvaluateOnNewDocument, so it runs again in every document the
// tab loads (post-login reload, logout, crash recovery). The Rust side prepends
//     window.__wabotConfig = { binding: "<name>", manifest: { ... } };
// where `manifest` is `wabot_whatsapp::web::MANIFEST`: every WhatsApp Web module is reached
// through `mod(role)`, which looks its name up there, never by a literal name.
//
// Page -> Rust: one CDP binding (`__wabotConfig.binding`) receiving JSON strings.
// Rust -> page: Runtime.evaluate of `window.__wabot.<helper>(...)`.
// Nothing here reads the DOM.
(function () {
  'use strict';
  if (location.hostname !== 'web.whatsapp.com') return;
  var CONFIG = window.__wabotConfig;
  if (!CONFIG || window.__wabot) return;
  var MANIFEST = CONFIG.manifest;
  var BINDING = CONFIG.binding;
  var MEDIA = ['image', 'video', 'audio', 'ptt', 'ptv', 'document', 'sticker'];
  var MAX_BODY = 65536;

  function emit(event) {
    try {
      window[BINDING](JSON.stringify(event));
    } catch (e) {
      // The binding is gone only while the tab is closing.
    }
  }

  function fail(where, e) {
    emit({ t: 'error', where: where, message: String((e && e.message) || e) });
  }

  function spec(role) {
    for (var i = 0; i < MANIFEST.modules.length; i++) {
      if (MANIFEST.modules[i].role === role) return MANIFEST.modules[i];
    }
    throw new Error('wabot: role ' + role + ' is not in the manifest');
  }

  var cache = {};
  function mod(role) {
    if (!cache[role]) cache[role] = window.require(spec(role).module);
    return cache[role];
  }

  function widStr(w) {
    if (w == null) return null;
    if (typeof w === 'string') return w;
    return w._serialized || String(w);
  }

  function isUnpaired(state) {
    return state === 'UNPAIRED' || state === 'UNPAIRED_IDLE';
  }

  // Returns null when every listed module and member exists, else what is missing.
  function check(pairing) {
    for (var i = 0; i < MANIFEST.modules.length; i++) {
      var m = MANIFEST.modules[i];
      if (m.pairing_only && !pairing) continue;
      var value;
      try {
        value = window.require(m.module);
      } catch (e) {
        value = undefined;
      }
      if (value == null) return { module: m.module, member: null };
      for (var j = 0; j < m.members.length; j++) {
        var node = value;
        var parts = m.members[j].split('.');
        for (var k = 0; k < parts.length && node != null; k++) node = node[parts[k]];
        if (node === undefined) return { module: m.module, member: m.members[j] };
      }
    }
    return null;
  }

  var W = {
    attached: false,
    lastQr: null,
    qrOf: null,
    codeTimer: null,
  };

  W.ready = function () {
    return !!(window.Debug && window.Debug.VERSION && typeof window.require === 'function');
  };

  W.me = function () {
    try {
      var me = mod('me').getMaybeMePnUser();
      return me ? widStr(me) : null;
    } catch (e) {
      return null;
    }
  };

  function emitQr(ref) {
    if (!ref || !W.qrOf || ref === W.lastQr) return;
    W.lastQr = ref;
    emit({ t: 'qr', code: W.qrOf(ref) });
  }

  async function startQr() {
    if (!W.qrOf) {
      var reg = await mod('signalStore').waSignalStore.getRegistrationInfo();
      var noise = await mod('infoStore').waNoiseInfo.get();
      var b64 = mod('base64').encodeB64;
      var noiseKey = b64(noise.staticKeyPair.pubKey);
      var identityKey = b64(reg.identityKeyPair.pubKey);
      var advSecret = await mod('multiDevice').getADVSecretKey();
      var platform = mod('companionReg').DEVICE_PLATFORM;
      W.qrOf = function (ref) {
        return [ref, noiseKey, identityKey, advSecret, platform].join(',');
      };
    }
    emitQr(mod('conn').Conn.ref);
  }

  async function requestCode(phone) {
    var linking = mod('altLinking');
    linking.setPairingType('ALT_DEVICE_LINKING');
    await linking.initializeAltDeviceLinking();
    var code = await linking.startAltLinkingFlow(phone, true);
    emit({ t: 'code', code: String(code) });
  }

  function startPairingCode(phone) {
    if (W.codeTimer) return;
    requestCode(phone).catch(function (e) { fail('pairing code', e); });
    // WhatsApp renews pairing codes every 3 minutes.
    W.codeTimer = setInterval(function () {
      if (!isUnpaired(mod('socket').Socket.state)) {
        clearInterval(W.codeTimer);
        W.codeTimer = null;
        return;
      }
      requestCode(phone).catch(function (e) { fail('pairing code', e); });
    }, 180000);
  }

  function onUnpaired(opts) {
    if (opts.pairingPhone) startPairingCode(opts.pairingPhone);
    else startQr().catch(function (e) { fail('qr', e); });
  }

  function onMessage(m) {
    try {
      if (!m || !m.isNewMsg || !m.id || m.id.fromMe) return;
      if (m.type === 'ciphertext') {
        // Not decrypted yet: report it once its real type is known.
        if (typeof m.once === 'function') m.once('change:type', onMessage);
        return;
      }
      var from = widStr(m.from);
      var text = m.type === 'chat' ? m.body : m.caption;
      emit({
        t: 'msg',
        id: widStr(m.id),
        from: from,
        author: widStr(m.author),
        type: m.type,
        subtype: m.subtype || null,
        body: typeof text === 'string' ? text.slice(0, MAX_BODY) : '',
        media: MEDIA.indexOf(m.type) >= 0,
        ts: m.t || null,
        notifyName: m.notifyName || null,
      });
    } catch (e) {
      fail('message', e);
    }
  }

  // Checks the manifest, then attaches every listener (once per document).
  W.init = async function (opts) {
    opts = opts || {};
    var missing = check(!!opts.pairingPhone);
    if (missing) return { ok: false, missing: missing, version: window.Debug && window.Debug.VERSION };
    var Socket = mod('socket').Socket;
    if (!W.attached) {
      W.attached = true;
      Socket.on('change:state', function (_socket, state) {
        emit({ t: 'state', state: state });
        if (isUnpaired(state)) {
          if (state === 'UNPAIRED_IDLE' && !opts.pairingPhone) {
            // The page stopped rotating codes: ask for new ones (the Rust side caps retries).
            try { mod('cmd').Cmd.refreshQR(); } catch (e) { fail('refreshQR', e); }
          }
          onUnpaired(opts);
        }
      });
      Socket.on('change:hasSynced', function (_socket, synced) {
        if (synced) emit({ t: 'synced', me: W.me() });
      });
      mod('conn').Conn.on('change:ref', function (_conn, ref) {
        if (!opts.pairingPhone) emitQr(ref);
      });
      var Cmd = mod('cmd').Cmd;
      Cmd.on('logout', function () { emit({ t: 'logout' }); });
      Cmd.on('logout_from_bridge', function () { emit({ t: 'logout' }); });
      var Msg = mod('collections').Msg;
      Msg.on('add', onMessage);
      Msg.on('change:ack', function (m, ack) {
        if (m && m.id && m.id.fromMe) emit({ t: 'ack', id: widStr(m.id), ack: ack });
      });
    }
    var state = Socket.state;
    if (isUnpaired(state)) onUnpaired(opts);
    return {
      ok: true,
      version: window.Debug.VERSION,
      state: state,
      synced: !!Socket.hasSynced,
      me: Socket.hasSynced ? W.me() : null,
    };
  };

  async function chatOf(chatId) {
    var wid = mod('wid').createWid(chatId);
    var chat = mod('collections').Chat.get(wid);
    if (!chat) {
      var found = await mod('findChat').findOrCreateLatestChat(wid);
      chat = found && found.chat;
    }
    if (!chat) throw new Error('no chat with ' + chatId);
    return chat;
  }

  W.sendText = async function (chatId, body) {
    var chat = await chatOf(chatId);
    var me = mod('me').getMaybeMePnUser();
    var MsgKey = mod('msgKey');
    var key = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), selfDir: 'out' });
    var sent = mod('sendMsg').addAndSendMsgToChat(chat, {
      id: key,
      ack: 0,
      body: body,
      from: me,
      to: chat.id,
      local: true,
      self: 'out',
      t: Math.floor(Date.now() / 1000),
      isNewMsg: true,
      type: 'chat',
    });
    await sent[0];
    return { id: widStr(key) };
  };

  W.typing = async function (chatId, on) {
    var wid = mod('wid').createWid(chatId);
    var bridge = mod('chatState');
    if (on) await bridge.sendChatStateComposing(wid);
    else await bridge.sendChatStatePaused(wid);
    return true;
  };

  W.seen = async function (chatId) {
    var chat = await chatOf(chatId);
    var Stream = mod('stream').Stream;
    Stream.markAvailable();
    try {
      await mod('unread').sendSeen({ chat: chat, threadId: undefined });
    } finally {
      Stream.markUnavailable();
    }
    return true;
  };

  W.state = function () {
    try {
      return mod('socket').Socket.state;
    } catch (e) {
      return null;
    }
  };

  Object.defineProperty(window, '__wabot', { value: W, enumerable: false });
  emit({ t: 'loaded', url: location.href });
})();
