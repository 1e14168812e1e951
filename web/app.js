/*
 * 反诈助手 chat page: Alibaba ChatUI (UMD build, global `ChatUI`) on React 18 (UMD builds),
 * talking to Rasa's REST channel. No JSX and no bundler: plain React.createElement.
 *
 * Safety rules kept throughout:
 *  - message text is only ever rendered as React text children (escaped), never as HTML;
 *  - links are made only from http(s) URLs, opened in a new tab with rel="noopener noreferrer",
 *    and tel: links only for the hotlines 110 and 96110;
 *  - the page fetches nothing but its own files and the Rasa server, whose URL the server
 *    wrote into the page (<meta name="fanzha-server">); nothing in the address bar changes it;
 *  - the browser keeps only what the server kept of the user's messages (personal data
 *    hidden), and "清除记录" forgets the conversation and starts a new one;
 *  - a screenshot is shrunk in the browser and sent to the same Rasa server only; the page
 *    neither shows nor keeps it (its bubble says "截图"), the server answers with what it read.
 */
(function () {
  "use strict";

  var root = document.getElementById("root");
  if (!window.React || !window.ReactDOM || !window.ChatUI) {
    root.textContent =
      "页面资源没有安装完整（请在 web/ 目录运行 npm ci）。紧急情况请直接拨打110报警，咨询防骗问题可拨打96110。";
    return;
  }

  var React = window.React;
  var h = React.createElement;
  var ChatUI = window.ChatUI;
  var Chat = ChatUI.default;
  var Bubble = ChatUI.Bubble;
  var Button = ChatUI.Button;
  var useMessages = ChatUI.useMessages;

  var STORAGE = {
    sender: "fanzha.sender",
    messages: "fanzha.messages.v2",
    largeText: "fanzha.largeText",
  };
  // v1 kept the user's messages as typed, personal data included.
  var OLD_STORAGE = ["fanzha.messages.v1"];
  var MAX_STORED_MESSAGES = 200;
  var REQUEST_TIMEOUT_MS = 30000;
  var PICTURE_TIMEOUT_MS = 90000; // reading a picture takes seconds, more when the server is busy
  // Pictures are shrunk before upload: the longest side, and the size the server accepts (1 MiB).
  var PICTURE_MAX_SIDE = 2000;
  var PICTURE_MAX_BYTES = 900 * 1024;
  var PICTURE_SHOWN = "［截图］";
  var PICTURE_UNREADABLE =
    "这张图片打不开。请发一张手机截图（JPG或PNG），或者把可疑消息的文字复制过来。\n" +
    "拿不准的话，打96110反诈专线问问。";
  var PICTURE_TOO_LARGE =
    "这张图片太大了，没能发出去。请发一张普通的手机截图，或者把文字复制过来。";

  var WELCOME =
    "您好，我是反诈助手，一个自动回复的防骗小助手，不是真人。\n" +
    "我绝不会向您索要银行卡号、密码或验证码——谁向您要这些，都要当成骗子。\n" +
    "遇到紧急情况，或者钱已经转出去了，请立即拨打110报警。\n" +
    "请点下方的按钮，或者直接告诉我您遇到了什么情况。";

  var NETWORK_ERROR =
    "抱歉，现在连不上反诈助手，可能是网络出了问题。\n" +
    "如果您正在被骗，或者已经转了钱，请立即拨打110报警；" +
    "想咨询防骗问题，可以拨打全国反诈专线96110。\n" +
    "稍后可以再试一次。";

  var EMPTY_REPLY =
    "抱歉，这个问题我暂时回答不了。您可以换个说法，或点下方的按钮。\n" +
    "紧急情况请拨打110报警，咨询防骗问题可拨打96110。";

  var CORE_TOPICS = [
    { name: "接到可疑电话/短信", code: "/suspected_scam_call" },
    { name: "已经被骗、转了钱", code: "/lost_money" },
    { name: "有人要买/租我的卡", code: "/selling_card" },
    { name: "查App/网址真假", code: "/app_verification" },
  ];

  // ---------------------------------------------------------------- storage

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode or storage full: the chat still works, it just won't be remembered */
    }
  }

  function storageRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* nothing stored */
    }
  }

  OLD_STORAGE.forEach(storageRemove);

  function randomId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function senderId() {
    var id = storageGet(STORAGE.sender);
    if (!id || !/^[A-Za-z0-9-]{8,64}$/.test(id)) {
      id = newSenderId();
    }
    return id;
  }

  function newSenderId() {
    var id = "web-" + randomId();
    storageSet(STORAGE.sender, id);
    return id;
  }

  function isString(value) {
    return typeof value === "string";
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons
      .filter(function (b) {
        return b && isString(b.title) && isString(b.payload) && b.title && b.payload;
      })
      .map(function (b) {
        return { title: b.title, payload: b.payload };
      });
  }

  // Keep only the fields this page renders, with the right types, whatever is stored.
  function cleanMessage(m) {
    if (!m || typeof m !== "object" || !m.content || !isString(m.content.text)) return null;
    var msg = {
      _id: isString(m._id) ? m._id : randomId(),
      type: "text",
      position: m.position === "right" ? "right" : "left",
      content: { text: m.content.text },
    };
    if (typeof m.createdAt === "number") msg.createdAt = m.createdAt;
    if (m.hasTime === true) msg.hasTime = true;
    var buttons = cleanButtons(m.content.buttons);
    if (buttons.length) msg.content.buttons = buttons;
    if (m.content.kind === "notice") msg.content.kind = "notice";
    return msg;
  }

  function loadMessages() {
    var raw = storageGet(STORAGE.messages);
    if (!raw) return null;
    try {
      var list = JSON.parse(raw);
      if (!Array.isArray(list)) return null;
      var msgs = list.map(cleanMessage).filter(Boolean);
      return msgs.length ? msgs : null;
    } catch (e) {
      return null;
    }
  }

  // A user's message is stored only once the server answered, as the server kept it
  // (personal data hidden); until then, or if it never arrived, it stays off the disk.
  function saveMessages(messages) {
    var list = messages
      .filter(function (m) {
        return !(m.content && m.content.pending);
      })
      .slice(-MAX_STORED_MESSAGES)
      .map(cleanMessage)
      .filter(Boolean);
    storageSet(STORAGE.messages, JSON.stringify(list));
  }

  // ----------------------------------------------------------------- server

  // The Rasa server the page was served for; null (every send fails, the hotlines are shown)
  // when the page was opened without scripts/serve_web.py filling it in.
  function serverUrl() {
    var meta = document.querySelector('meta[name="fanzha-server"]');
    try {
      var url = new URL(meta ? meta.getAttribute("content") : "");
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      return (url.origin + url.pathname).replace(/\/+$/, "");
    } catch (e) {
      return null;
    }
  }

  var SERVER = serverUrl();
  var sender = senderId();

  function post(path, init, timeoutMs) {
    if (!SERVER) return Promise.reject(new Error("no Rasa server configured"));
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, timeoutMs)
      : null;
    init.method = "POST";
    init.signal = controller ? controller.signal : undefined;
    init.credentials = "omit";
    init.referrerPolicy = "no-referrer";
    return fetch(SERVER + path, init)
      .then(function (response) {
        if (response.status === 413) throw new Error("too large");
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .finally(function () {
        if (timer) clearTimeout(timer);
      });
  }

  function postToRasa(message) {
    return post(
      "/webhooks/rest/webhook",
      {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message }),
      },
      REQUEST_TIMEOUT_MS
    );
  }

  function postPicture(blob) {
    var form = new FormData();
    form.append("sender", sender);
    form.append("image", blob, "screenshot.jpg");
    return post("/webhooks/rest/screenshot", { body: form }, PICTURE_TIMEOUT_MS);
  }

  function canvasBlob(canvas, quality) {
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  // The picture as a JPEG at most PICTURE_MAX_SIDE on its longest side and under PICTURE_MAX_BYTES;
  // rejects when the browser cannot open it as an image.
  function shrinkPicture(file) {
    if (typeof createImageBitmap !== "function") return Promise.reject(new Error("no createImageBitmap"));
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PICTURE_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff"; // transparent screenshots read as black on white
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return [0.85, 0.7, 0.5].reduce(function (found, quality) {
        return found.then(function (blob) {
          return blob && blob.size <= PICTURE_MAX_BYTES ? blob : canvasBlob(canvas, quality);
        });
      }, Promise.resolve(null));
    });
  }

  // What the server kept of the user's message, when it differs from what was sent.
  function keptText(replies) {
    if (!Array.isArray(replies)) return null;
    for (var i = 0; i < replies.length; i++) {
      if (replies[i] && isString(replies[i].user_text)) return replies[i].user_text;
    }
    return null;
  }

  // Turn Rasa's reply list into chat messages: text and buttons are shown; an image
  // or attachment URL becomes a link (never loaded into the page); custom payloads are skipped.
  function repliesToMessages(replies) {
    if (!Array.isArray(replies)) return [];
    var out = [];
    replies.forEach(function (r) {
      if (!r || typeof r !== "object") return;
      var parts = [];
      if (isString(r.text) && r.text.trim()) parts.push(r.text);
      if (isString(r.image) && r.image) parts.push("图片：" + r.image);
      if (isString(r.attachment) && r.attachment) parts.push("附件：" + r.attachment);
      var buttons = cleanButtons(r.buttons);
      if (!parts.length && !buttons.length) return;
      var content = { text: parts.join("\n") };
      if (buttons.length) content.buttons = buttons;
      out.push({ type: "text", position: "left", content: content });
    });
    return out;
  }

  // ------------------------------------------------------------------ links

  // Candidate URLs stop at whitespace, quotes, angle brackets and full-width punctuation;
  // the hotlines 110 and 96110 (not inside a longer number) become tap-to-call links.
  var URL_PATTERN =
    /https?:\/\/[^\s<>"'`\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+|(?<![0-9])(?:96110|110)(?![0-9])/gi;
  var TRAILING = /[.,;:!?)\]}]+$/;
  var HOTLINES = { "110": true, "96110": true };

  function telLink(number, key) {
    return h("a", { key: key, href: "tel:" + number, className: "MsgLink MsgTel" }, number);
  }

  function safeHref(candidate) {
    try {
      var url = new URL(candidate);
      if (url.protocol === "http:" || url.protocol === "https:") return url.href;
    } catch (e) {
      /* not a URL: shown as text */
    }
    return null;
  }

  // Split text into plain strings and <a> elements. Everything stays a React text child.
  function linkify(text, keyPrefix) {
    var nodes = [];
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0];
      if (HOTLINES[raw]) {
        if (match.index > last) nodes.push(text.slice(last, match.index));
        nodes.push(telLink(raw, keyPrefix + "-" + match.index));
        last = match.index + raw.length;
        continue;
      }
      var trimmed = raw.replace(TRAILING, "");
      var href = trimmed ? safeHref(trimmed) : null;
      if (!href) continue;
      if (match.index > last) nodes.push(text.slice(last, match.index));
      nodes.push(
        h(
          "a",
          {
            key: keyPrefix + "-" + match.index,
            href: href,
            target: "_blank",
            rel: "noopener noreferrer",
            className: "MsgLink",
          },
          trimmed
        )
      );
      last = match.index + trimmed.length;
      URL_PATTERN.lastIndex = last;
    }
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  // ---------------------------------------------------------------- widgets

  function LargeTextSwitch(props) {
    return h(
      "button",
      {
        type: "button",
        className: "LargeTextSwitch",
        role: "switch",
        "aria-checked": props.on ? "true" : "false",
        onClick: props.onToggle,
      },
      h("span", { className: "LargeTextSwitch-track", "aria-hidden": "true" },
        h("span", { className: "LargeTextSwitch-thumb" })),
      h("span", { className: "LargeTextSwitch-label" }, "大字模式")
    );
  }

  function ClearButton(props) {
    return h(
      "button",
      { type: "button", className: "ClearButton", onClick: props.onClear, "aria-label": "清除聊天记录" },
      "清除记录"
    );
  }

  function MessageButtons(props) {
    return h(
      "div",
      { className: "MsgButtons", role: "group", "aria-label": "可选的回答" },
      props.buttons.map(function (b, i) {
        return h(
          Button,
          {
            key: i,
            className: "MsgButton",
            color: "primary",
            variant: "outline",
            size: "sm",
            onClick: function () {
              props.onChoose(b);
            },
          },
          b.title
        );
      })
    );
  }

  function applyLargeText(on) {
    document.documentElement.classList.toggle("large-text", on);
  }

  var initialLargeText = storageGet(STORAGE.largeText) === "1";
  applyLargeText(initialLargeText);

  function welcome() {
    return [{ _id: randomId(), type: "text", position: "left", content: { text: WELCOME, kind: "notice" } }];
  }

  var INITIAL_MESSAGES = loadMessages() || welcome();

  // -------------------------------------------------------------------- app

  function App() {
    var state = useMessages(INITIAL_MESSAGES);
    var messages = state.messages;
    var appendMsg = state.appendMsg;
    var updateMsg = state.updateMsg;
    var resetList = state.resetList;
    var typingState = React.useState(false);
    var largeState = React.useState(initialLargeText);
    var pending = React.useRef(0);
    var messagesRef = React.useRef(null);
    var pictureInput = React.useRef(null);

    var isTyping = typingState[0];
    var setTyping = typingState[1];
    var largeText = largeState[0];
    var setLargeText = largeState[1];

    React.useEffect(
      function () {
        saveMessages(messages);
      },
      [messages]
    );

    React.useEffect(
      function () {
        applyLargeText(largeText);
        storageSet(STORAGE.largeText, largeText ? "1" : "0");
        // Bigger text makes the list taller: keep the latest message in view once the
        // new sizes are laid out.
        var timers = [50, 350].map(function (delay) {
          return setTimeout(function () {
            if (messagesRef.current) messagesRef.current.scrollToEnd({ animated: false, force: true });
          }, delay);
        });
        return function () {
          timers.forEach(clearTimeout);
        };
      },
      [largeText]
    );

    // `request` posts to Rasa; `shown` is what appears in the user's bubble. The bubble is
    // pending (not stored) until the server answers; then it shows what the server kept.
    var exchange = React.useCallback(
      function (request, shown) {
        var id = appendMsg({ type: "text", position: "right", content: { text: shown, pending: true } });
        pending.current += 1;
        setTyping(true);
        return request()
          .then(function (replies) {
            var kept = keptText(replies);
            updateMsg(id, { type: "text", position: "right", content: { text: kept !== null ? kept : shown } });
            var msgs = repliesToMessages(replies);
            if (!msgs.length) {
              msgs = [{ type: "text", position: "left", content: { text: EMPTY_REPLY, kind: "notice" } }];
            }
            msgs.forEach(appendMsg);
          })
          .catch(function (error) {
            var text = error && error.message === "too large" ? PICTURE_TOO_LARGE : NETWORK_ERROR;
            appendMsg({ type: "text", position: "left", content: { text: text, kind: "notice" } });
          })
          .finally(function () {
            pending.current -= 1;
            if (pending.current <= 0) {
              pending.current = 0;
              setTyping(false);
            }
          });
      },
      [appendMsg, updateMsg]
    );

    var send = React.useCallback(
      function (message, shown) {
        exchange(function () {
          return postToRasa(message);
        }, shown);
      },
      [exchange]
    );

    // A screenshot: shrunk here, read by the server; the page shows "［截图］", never the picture.
    var sendPicture = React.useCallback(
      function (file) {
        return shrinkPicture(file).then(
          function (blob) {
            return exchange(function () {
              return postPicture(blob);
            }, PICTURE_SHOWN);
          },
          function () {
            appendMsg({ type: "text", position: "left", content: { text: PICTURE_UNREADABLE, kind: "notice" } });
          }
        );
      },
      [exchange, appendMsg]
    );

    function choosePicture(event) {
      var file = event.target.files && event.target.files[0];
      event.target.value = ""; // the same file can be chosen again
      if (file) sendPicture(file);
    }

    // Forget this browser's copy of the conversation and start a new one with the bot.
    function clearHistory() {
      storageRemove(STORAGE.messages);
      sender = newSenderId();
      resetList(welcome());
    }

    function handleSend(type, value) {
      if (type !== "text" || !isString(value)) return;
      var text = value.trim();
      if (!text) return;
      send(text, text);
    }

    function handleQuickReply(item) {
      send(item.code, item.name);
    }

    function chooseButton(button) {
      send(button.payload, button.title);
    }

    function renderMessageContent(msg) {
      if (msg.type === "typing") return h(ChatUI.Typing, { text: "正在回复" });
      var content = msg.content || {};
      var text = isString(content.text) ? content.text : "";
      var isBot = msg.position !== "right";
      var className = "Bubble text MsgBubble" + (content.kind === "notice" ? " MsgBubble--notice" : "");
      return h(
        Bubble,
        { type: "text", className: className },
        text ? h("p", { className: "MsgText" }, isBot ? linkify(text, msg._id) : text) : null,
        isBot && content.buttons && content.buttons.length
          ? h(MessageButtons, { buttons: content.buttons, onChoose: chooseButton })
          : null
      );
    }

    var chat = h(Chat, {
      locale: "zh-CN",
      colorScheme: "light",
      elderMode: largeText,
      navbar: {
        title: "反诈助手",
        align: "left",
        desc: h(
          React.Fragment,
          null,
          h("span", { className: "NavbarDesc-part" }, "自动回复"),
          " · ",
          h("span", { className: "NavbarDesc-part" }, "紧急拨", telLink("110", "desc-110")),
          " · ",
          h("span", { className: "NavbarDesc-part" }, "咨询", telLink("96110", "desc-96110"))
        ),
        rightSlot: h(
          "div",
          { className: "NavbarActions" },
          h(ClearButton, { onClear: clearHistory }),
          h(LargeTextSwitch, {
            on: largeText,
            onToggle: function () {
              setLargeText(!largeText);
            },
          })
        ),
      },
      messages: messages,
      messagesRef: messagesRef,
      isTyping: isTyping,
      renderMessageContent: renderMessageContent,
      quickReplies: CORE_TOPICS,
      onQuickReplyClick: handleQuickReply,
      onSend: handleSend,
      placeholder: "请描述您遇到的情况…",
      inputOptions: { "aria-label": "输入您的问题" },
      toolbar: [{ type: "picture", icon: "image", title: "发截图" }],
      onToolbarClick: function () {
        if (pictureInput.current) pictureInput.current.click();
      },
      onImageSend: sendPicture, // an image pasted into the input box
    });
    return h(
      React.Fragment,
      null,
      chat,
      h("input", {
        ref: pictureInput,
        type: "file",
        accept: "image/*",
        hidden: true,
        className: "PictureInput",
        "aria-label": "选择要识别的截图",
        onChange: choosePicture,
      })
    );
  }

  window.ReactDOM.createRoot(root).render(h(App));
})();
