// A fake WhatsApp Web: exactly the module surface listed in wabot's manifest
// (wabot_whatsapp::web::MANIFEST), with Backbone-like models and collections, plus a test-only
// control object `window.__fake` the adapter never calls.
//
// Like the real site it keeps its login in the origin's storage (localStorage `last-wid-md`,
// mirrored in IndexedDB so a killed browser keeps it too), rotates QR refs on a timer, reloads
// the page after pairing, and navigates to `/?post_logout=1` on logout.
(function () {
  'use strict';
  var OPTS = window.__fakeOptions || {};
  var ACCOUNT = OPTS.account || '15550000001';
  var broken = new Set(OPTS.brokenModules || []);
  var log = [];

  function later(ms, fn) { return setTimeout(fn, ms); }
  function randomHex(n) {
    var bytes = new Uint8Array(n);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join('').toUpperCase();
  }
  function randomBytes(n) { var b = new Uint8Array(n); crypto.getRandomValues(b); return b; }

  // ---- Backbone-like events ------------------------------------------------------------
  function Emitter() { this._events = {}; }
  Emitter.prototype.on = function (names, cb) {
    var self = this;
    names.split(/\s+/).forEach(function (n) { (self._events[n] = self._events[n] || []).push(cb); });
    return this;
  };
  Emitter.prototype.off = function (name, cb) {
    if (this._events[name]) this._events[name] = this._events[name].filter(function (f) { return f !== cb; });
    return this;
  };
  Emitter.prototype.once = function (name, cb) {
    var self = this;
    function wrapper() { self.off(name, wrapper); cb.apply(null, arguments); }
    return this.on(name, wrapper);
  };
  Emitter.prototype.trigger = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this._events[name] || []).slice().forEach(function (cb) {
      try { cb.apply(null, args); } catch (e) { console.error('fake listener failed', e); }
    });
  };

  function Model(attrs) { Emitter.call(this); Object.assign(this, attrs || {}); }
  Model.prototype = Object.create(Emitter.prototype);
  Model.prototype.set = function (key, value) {
    var prev = this[key];
    if (prev === value) return;
    this[key] = value;
    this.trigger('change:' + key, this, value, prev);
    this.trigger('change', this);
  };
  Model.prototype.trigger = function () {
    Emitter.prototype.trigger.apply(this, arguments);
    // Collections re-trigger their models' events, as in Backbone.
    if (this._collection) this._collection.trigger.apply(this._collection, arguments);
  };

  function Collection() { Emitter.call(this); this._models = new Map(); }
  Collection.prototype = Object.create(Emitter.prototype);
  Collection.prototype.get = function (id) {
    return this._models.get(typeof id === 'string' ? id : id && id._serialized);
  };
  Collection.prototype.add = function (model) {
    this._models.set(model.id._serialized, model);
    model._collection = this;
    this.trigger('add', model);
    return model;
  };

  // ---- ids -----------------------------------------------------------------------------
  function Wid(serialized) {
    var at = serialized.indexOf('@');
    this.user = serialized.slice(0, at);
    this.server = serialized.slice(at + 1);
    this._serialized = serialized;
  }
  Wid.prototype.toString = function () { return this._serialized; };
  Wid.prototype.isGroup = function () { return this.server === 'g.us'; };
  function createWid(s) {
    if (typeof s !== 'string' || !/^[\w.+-]+@(c\.us|g\.us|lid|broadcast|newsletter)$/.test(s)) {
      throw new Error('invalid wid: ' + s);
    }
    return new Wid(s);
  }

  function MsgKey(o) {
    this.fromMe = o.selfDir === 'out' || o.fromMe === true;
    this.remote = o.to;
    this.id = o.id;
    this._serialized = this.fromMe + '_' + String(o.to) + '_' + o.id;
  }
  MsgKey.prototype.toString = function () { return this._serialized; };
  MsgKey.newId = async function () { return '3EB0' + randomHex(8); };

  // ---- state -----------------------------------------------------------------------------
  var Socket = new Model({ state: 'OPENING', hasSynced: false });
  var Conn = new Model({ ref: null });
  var Cmd = new Emitter();
  var Msg = new Collection();
  var Chat = new Collection();
  var paired = null;

  function storedKey(name, size) {
    var v = localStorage.getItem('fake-' + name);
    if (!v) { v = btoa(String.fromCharCode.apply(null, randomBytes(size))); localStorage.setItem('fake-' + name, v); }
    return Uint8Array.from(atob(v), function (c) { return c.charCodeAt(0); });
  }

  // The login, in localStorage (as WhatsApp does) and IndexedDB (durable when killed).
  function idb(mode, fn) {
    return new Promise(function (resolve) {
      var open = indexedDB.open('fake-wa', 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('kv'); };
      open.onerror = function () { resolve(null); };
      open.onsuccess = function () {
        var tx = open.result.transaction('kv', mode);
        var req = fn(tx.objectStore('kv'));
        tx.oncomplete = function () { resolve(req && req.result); open.result.close(); };
        tx.onerror = function () { resolve(null); open.result.close(); };
      };
    });
  }
  function savePairing(wid) {
    localStorage.setItem('last-wid-md', JSON.stringify(wid));
    return idb('readwrite', function (s) { return s.put(wid, 'last-wid-md'); });
  }
  function clearPairing() {
    localStorage.removeItem('last-wid-md');
    return idb('readwrite', function (s) { return s.delete('last-wid-md'); });
  }
  async function loadPairing() {
    var ls = localStorage.getItem('last-wid-md');
    if (ls) return JSON.parse(ls);
    return (await idb('readonly', function (s) { return s.get('last-wid-md'); })) || null;
  }

  // ---- QR refs ---------------------------------------------------------------------------
  var refTimer = null;
  var refsShown = 0;
  function nextRef() {
    refsShown += 1;
    Conn.set('ref', '2@' + randomHex(24));
    log.push({ kind: 'ref', n: refsShown });
    var wait = refsShown === 1 ? OPTS.firstQrMs : OPTS.qrRotateMs;
    refTimer = later(wait, function () {
      if (refsShown >= OPTS.refsPerPage) {
        refTimer = null;
        Socket.set('state', 'UNPAIRED_IDLE');
      } else {
        nextRef();
      }
    });
  }
  function startRefs() {
    clearTimeout(refTimer);
    refsShown = 0;
    Socket.set('state', 'UNPAIRED');
    nextRef();
  }
  function stopRefs() { clearTimeout(refTimer); refTimer = null; }

  // ---- modules ---------------------------------------------------------------------------
  function scheduleAcks(msg) {
    if (fakeApi.failNext) {
      fakeApi.failNext = false;
      later(OPTS.ackDelaysMs[0] || 10, function () { msg.set('ack', -1); });
      return;
    }
    (OPTS.ackDelaysMs || []).forEach(function (delay, i) {
      later(delay, function () { if (msg.ack >= 0) msg.set('ack', i + 1); });
    });
  }

  var modules = {
    WAWebSocketModel: { Socket: Socket },
    WAWebConnModel: { Conn: Conn },
    WAWebCmd: { Cmd: Cmd },
    WAWebCollections: { Msg: Msg, Chat: Chat },
    WAWebWidFactory: { createWid: createWid },
    WAWebFindChatAction: {
      findOrCreateLatestChat: async function (wid) {
        var chat = Chat.get(wid) || Chat.add(new Model({ id: wid }));
        return { chat: chat, created: true };
      },
    },
    WAWebSendMsgChatAction: {
      addAndSendMsgToChat: function (chat, attrs) {
        if (!paired) throw new Error('not logged in');
        var msg = Msg.add(new Model(attrs));
        log.push({ kind: 'send', chat: String(chat.id), body: attrs.body, id: attrs.id._serialized, at: Date.now() });
        scheduleAcks(msg);
        return [Promise.resolve(msg), Promise.resolve({ messageSendResult: 'OK' })];
      },
    },
    WAWebMsgKey: MsgKey,
    WAWebUserPrefsMeUser: {
      getMaybeMePnUser: function () { return paired ? createWid(paired) : null; },
    },
    WAWebChatStateBridge: {
      sendChatStateComposing: async function (wid) { log.push({ kind: 'typing', chat: String(wid), on: true, at: Date.now() }); },
      sendChatStatePaused: async function (wid) { log.push({ kind: 'typing', chat: String(wid), on: false, at: Date.now() }); },
    },
    WAWebUpdateUnreadChatAction: {
      sendSeen: async function (o) { log.push({ kind: 'seen', chat: String(o.chat.id), at: Date.now() }); },
    },
    WAWebStreamModel: {
      Stream: {
        markAvailable: function () { log.push({ kind: 'presence', on: true }); },
        markUnavailable: function () { log.push({ kind: 'presence', on: false }); },
      },
    },
    WAWebSignalStoreApi: {
      waSignalStore: { getRegistrationInfo: async function () { return { identityKeyPair: { pubKey: storedKey('identity', 32) } }; } },
    },
    WAWebUserPrefsInfoStore: {
      waNoiseInfo: { get: async function () { return { staticKeyPair: { pubKey: storedKey('noise', 32) } }; } },
    },
    WAWebUserPrefsMultiDevice: {
      getADVSecretKey: async function () { return btoa(String.fromCharCode.apply(null, storedKey('adv', 32))); },
    },
    WAWebCompanionRegClientUtils: { DEVICE_PLATFORM: 'Chrome' },
    WABase64: {
      encodeB64: function (bytes) { return btoa(String.fromCharCode.apply(null, bytes)); },
    },
    WAWebAltDeviceLinkingApi: {
      setPairingType: function (t) { log.push({ kind: 'pairingType', type: t }); },
      initializeAltDeviceLinking: async function () {},
      startAltLinkingFlow: async function (phone) {
        var code = randomHex(4).slice(0, 8);
        log.push({ kind: 'pairingCode', phone: phone, code: code });
        return code;
      },
    },
  };

  window.require = function (name) {
    if (broken.has(name) || !Object.prototype.hasOwnProperty.call(modules, name)) {
      throw new Error("Requiring unknown module \"" + name + "\"");
    }
    return modules[name];
  };

  // ---- test-only control -----------------------------------------------------------------
  var fakeApi = {
    failNext: false,
    log: log,
    state: function () { return Socket.state; },
    ref: function () { return Conn.ref; },
    // The phone scans the QR (or accepts the pairing code): pair, then reload like WhatsApp.
    scan: async function () {
      if (Socket.state !== 'UNPAIRED' && Socket.state !== 'UNPAIRED_IDLE') return false;
      stopRefs();
      Socket.set('state', 'PAIRING');
      await savePairing(ACCOUNT + '@c.us');
      later(50, function () { location.reload(); });
      return true;
    },
    // A customer writes. kind: chat (default), image, video, audio, ptt, document, sticker,
    // location, vcard…; opts.author for group messages, opts.notifyName for the profile name.
    receive: function (from, body, kind, opts) {
      opts = opts || {};
      kind = kind || 'chat';
      var wid = createWid(from);
      var key = new MsgKey({ fromMe: false, to: from, id: '3A' + randomHex(9) });
      var media = ['image', 'video', 'audio', 'ptt', 'document', 'sticker'].indexOf(kind) >= 0;
      var attrs = {
        id: key, from: wid, to: paired ? createWid(paired) : null, type: kind,
        // Media bodies carry a base64 thumbnail in WhatsApp; the text is the caption.
        body: media ? '/9j/4AAQSkZJRgABAQAAAQABAAD' : body,
        caption: media ? body : undefined,
        author: opts.author ? createWid(opts.author) : undefined,
        notifyName: opts.notifyName, t: Math.floor(Date.now() / 1000), isNewMsg: true, ack: 0,
      };
      if (!Chat.get(wid)) Chat.add(new Model({ id: wid }));
      Msg.add(new Model(attrs));
      return key._serialized;
    },
    ack: function (id, value) { var m = Msg.get(id); if (m) m.set('ack', value); return !!m; },
    failNextSend: function () { this.failNext = true; },
    // The phone logs this session out: WhatsApp clears its storage and navigates.
    logout: async function () {
      await clearPairing();
      Cmd.trigger('logout');
      later(50, function () { location.replace('/?post_logout=1'); });
    },
    conflict: function () { Socket.set('state', 'CONFLICT'); },
    lose: function () { Socket.set('state', 'TIMEOUT'); },
    reconnect: function () { Socket.set('state', 'CONNECTED'); },
    breakModule: function (name) { broken.add(name); },
    typingBeforeSend: function (chat) {
      var firstTyping = log.findIndex(function (e) { return e.kind === 'typing' && e.on && e.chat === chat; });
      var firstSend = log.findIndex(function (e) { return e.kind === 'send' && e.chat === chat; });
      return firstTyping >= 0 && firstSend > firstTyping;
    },
  };
  Object.defineProperty(window, '__fake', { value: fakeApi });

  Cmd.refreshQR = function () {
    if (!paired && Socket.state === 'UNPAIRED_IDLE') later(10, startRefs);
  };

  // ---- boot --------------------------------------------------------------------------------
  later(OPTS.bootMs, async function () {
    paired = await loadPairing();
    if (!paired && OPTS.startPaired) {
      paired = ACCOUNT + '@c.us';
      await savePairing(paired);
    }
    window.Debug = { VERSION: OPTS.version };
    if (paired) {
      later(30, function () { Socket.set('state', 'CONNECTED'); });
      later(60, function () { Socket.set('hasSynced', true); });
    } else {
      later(30, startRefs);
    }
  });
})();
