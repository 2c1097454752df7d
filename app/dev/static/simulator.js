/*
 * 公众号模拟器 (dev only): a phone that plays a WeChat member against the built-in sandbox.
 *
 * Every action goes through the sandbox's control API (/sandbox/_sandbox/...), which pushes it to
 * our real POST /wechat as WeChat would (signed, AES-encrypted) and decrypts the passive reply.
 * Messages the backend pushes later (customer-service, template, mass ...) are polled from the
 * sandbox's delivery log. Conversations live only in this page's memory, one per member.
 * Plain JS on purpose: no build step. All text from the backend is inserted as text, never HTML.
 */
"use strict";

(function () {
  const layout = document.querySelector("[data-sandbox-url]");
  const API = layout.dataset.sandboxUrl;
  const POLL_MS = 2000;
  const TIME_GAP_MS = 5 * 60 * 1000; // WeChat shows a time line when 5 minutes passed
  const CHANNELS = {
    custom: "客服消息",
    template: "模板消息",
    subscribe: "订阅通知",
    mass: "群发",
    preview: "群发预览",
  };
  const MEDIA = {
    image: "[图片]",
    voice: "[语音]",
    video: "[视频]",
    mpvideo: "[视频]",
    music: "[音乐]",
    wxcard: "[卡券]",
    miniprogrampage: "[小程序]",
    msgmenu: "[菜单消息]",
    mpnewsarticle: "[图文消息]",
  };

  const state = {
    followers: [],
    current: null, // openid of the member being played
    chats: new Map(), // openid -> {items, lastId, primed}
    menu: null,
    templates: new Map(), // template_id -> {title, labels}, for template-message cards
    openMenu: -1,
    pending: 0,
    polling: false,
  };

  const byId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    chat: byId("chat"),
    form: byId("input-bar"),
    input: byId("text-input"),
    bar: byId("menu-bar"),
    popup: byId("menu-popup"),
    typing: byId("typing"),
    members: byId("member-list"),
    current: byId("current-member"),
    subscribe: byId("subscribe-button"),
    unsubscribe: byId("unsubscribe-button"),
    newForm: byId("new-member-form"),
    newName: byId("new-member-name"),
    refresh: byId("refresh-button"),
    status: byId("status"),
    clock: byId("clock"),
  };

  // --- helpers -------------------------------------------------------------------------------
  function el(tag, className, text, testid) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (testid) node.dataset.testid = testid;
    return node;
  }

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(API + path, init);
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((data && data.detail) || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function showStatus(text) {
    ui.status.hidden = !text;
    ui.status.textContent = text || "";
  }

  function hhmm(ms) {
    const d = new Date(ms);
    return `${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`;
  }

  function nameOf(follower) {
    return follower.nickname || `成员 ${follower.openid.slice(-6)}`;
  }

  function safeUrl(url) {
    // Only web links open; anything else (javascript:, weixin://) is shown but not followed.
    return /^(https?:\/\/|\/)/i.test(url || "") ? url : null;
  }

  function link(text, url, className) {
    const a = el("a", className, text);
    const href = safeUrl(url);
    if (href) {
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener";
    }
    return a;
  }

  // WeChat turns <a href="...">...</a> inside a text message into a link; the rest stays literal.
  function richText(node, text) {
    const re = /<a\s+href=(["'])(.*?)\1[^>]*>(.*?)<\/a>/gis;
    let last = 0;
    let m;
    while ((m = re.exec(text))) {
      node.append(text.slice(last, m.index), link(m[3], m[2]));
      last = re.lastIndex;
    }
    node.append(text.slice(last));
    return node;
  }

  // --- conversation model --------------------------------------------------------------------
  function chatOf(openid) {
    if (!state.chats.has(openid)) state.chats.set(openid, { items: [], lastId: 0, primed: false });
    return state.chats.get(openid);
  }

  function add(openid, item) {
    const chat = chatOf(openid);
    item.at = item.at || Date.now();
    const previous = chat.items[chat.items.length - 1];
    chat.items.push(item);
    if (openid === state.current) {
      appendItem(item, previous);
      ui.chat.scrollTop = ui.chat.scrollHeight;
    }
  }

  function system(openid, text, tone, detail) {
    add(openid, { from: "system", text, tone: tone || "event", detail });
  }

  // --- rendering of messages -----------------------------------------------------------------
  function renderChat() {
    ui.chat.replaceChildren();
    const chat = state.current ? chatOf(state.current) : null;
    if (!chat) {
      ui.chat.append(el("p", "sim-hint", "从右侧选择一位成员,开始和公众号对话。"));
      return;
    }
    chat.items.forEach((item, i) => appendItem(item, chat.items[i - 1]));
    ui.chat.scrollTop = ui.chat.scrollHeight;
  }

  function appendItem(item, previous) {
    if (!previous || item.at - previous.at > TIME_GAP_MS) {
      ui.chat.append(el("p", "sim-time", hhmm(item.at)));
    }
    if (item.from === "system") {
      const notice = el("div", `sim-notice sim-notice_${item.tone}`, null, "system-notice");
      notice.append(el("span", "sim-notice__text", item.text));
      if (item.detail) notice.append(el("span", "sim-notice__detail", item.detail));
      ui.chat.append(notice);
      return;
    }
    const mine = item.from === "member";
    const row = el("div", `sim-msg ${mine ? "sim-msg_member" : "sim-msg_account"}`);
    row.dataset.testid = mine ? "message-member" : "message-account";
    if (!mine) {
      row.dataset.source = item.source; // "reply" (passive) or "push" (delivered later)
      if (item.channel) row.dataset.channel = item.channel;
    }
    const avatar = el("span", `sim-avatar ${mine ? "sim-avatar_member" : "sim-avatar_account"}`);
    avatar.textContent = mine ? (memberName(state.current) || "我").slice(0, 1) : "党";
    avatar.setAttribute("aria-hidden", "true");
    const body = el("div", "sim-msg__body");
    if (item.channel && CHANNELS[item.channel]) {
      body.append(el("span", "sim-msg__channel", CHANNELS[item.channel], "channel-label"));
    }
    body.append(mine ? richText(el("div", "sim-bubble"), item.text) : accountContent(item));
    row.append(avatar, body);
    ui.chat.append(row);
  }

  function memberName(openid) {
    const f = state.followers.find((x) => x.openid === openid);
    return f ? nameOf(f) : "";
  }

  function accountContent(item) {
    const p = item.payload || {};
    switch (item.msgtype) {
      case "text":
        return richText(el("div", "sim-bubble"), p.content || "");
      case "news":
      case "mpnews":
        return newsCard(p.articles || []);
      case "template":
      case "subscribe":
        return templateCard(item.msgtype, p);
      default:
        return el("div", "sim-bubble sim-bubble_media", MEDIA[item.msgtype] || `[${item.msgtype}]`);
    }
  }

  // The sandbox hands out WeChat-style image URLs (mmbiz.qpic.cn), which lead nowhere outside
  // WeChat: show the uploaded bytes the sandbox kept instead. Other URLs are used as they are.
  const IMAGE_HOST = "https://mmbiz.qpic.cn/sandbox/";
  function imageSrc(url) {
    if (!url.startsWith(IMAGE_HOST)) return url;
    const key = url.slice(IMAGE_HOST.length).split("/")[0];
    return `${API}/images/${encodeURIComponent(key)}`;
  }

  // A news reply: the first article large (cover + title), the rest as rows with thumbnails.
  function newsCard(articles) {
    const card = el("div", "sim-news", null, "news-card");
    articles.forEach((a, i) => {
      const entry = link("", a.url, i === 0 ? "sim-news__lead" : "sim-news__item");
      const cover = el("span", "sim-news__cover", null, "news-cover");
      if (a.picurl) cover.style.backgroundImage = `url("${encodeURI(imageSrc(a.picurl))}")`;
      entry.append(el("span", "sim-news__title", a.title || "(无标题)"), cover);
      const digest = a.description || a.digest;
      if (i === 0 && digest && articles.length === 1) {
        entry.append(el("span", "sim-news__digest", digest));
      }
      card.append(entry);
    });
    if (!articles.length) card.append(el("span", "sim-news__title", "[图文消息]"));
    return card;
  }

  // A template message / subscribe notification: title, one row per field, optional link.
  function templateCard(kind, p) {
    const card = el("div", "sim-template", null, "template-card");
    const fallback = kind === "template" ? "模板消息" : "订阅通知";
    const template = state.templates.get(p.template_id);
    card.append(el("div", "sim-template__title", (template && template.title) || fallback));
    for (const [key, field] of Object.entries(p.data || {})) {
      const row = el("div", "sim-template__row");
      // The field's name as WeChat shows it (通知事项), never its key (thing1).
      const label = (template && template.labels[key]) || "内容";
      row.append(el("span", "sim-template__key", label), el("span", null, field && field.value));
      card.append(row);
    }
    if (safeUrl(p.url)) card.append(link("查看详情", p.url, "sim-template__more"));
    else if (p.page || p.miniprogram) card.append(el("span", "sim-template__more", "进入小程序查看"));
    return card;
  }

  // --- actions through the sandbox -----------------------------------------------------------
  function setTyping(delta) {
    state.pending += delta;
    ui.typing.hidden = state.pending === 0;
    byId("account-name").hidden = state.pending > 0;
  }

  async function act(action, echo) {
    const openid = state.current;
    if (!openid) return;
    if (echo) add(openid, echo);
    setTyping(1);
    try {
      const result = await api("POST", `/followers/${encodeURIComponent(openid)}/send`, action);
      if (result.reply) {
        add(openid, { from: "account", source: "reply", msgtype: result.reply.type, payload: result.reply });
      }
      if (result.member_sees) {
        // What WeChat shows the member when our answer was unusable; the detail is for developers.
        system(openid, result.member_sees, "error", `后端:${result.error}(共投递 ${result.attempts} 次)`);
      }
      return result;
    } catch (err) {
      const text = err.status === 409 ? "你还没有关注这个公众号,先点右侧的「关注」。" : `沙箱请求失败:${err.message}`;
      system(openid, text, "error");
      return null;
    } finally {
      setTyping(-1);
      poll(); // pushed follow-ups appear without waiting for the next tick
    }
  }

  function sendText(event) {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text || !state.current) return;
    ui.input.value = "";
    act({ type: "text", content: text }, { from: "member", text });
    ui.input.focus();
  }

  async function follow(subscribe) {
    const openid = state.current;
    if (!openid) return;
    const echo = subscribe ? "你关注了公众号" : "你取消关注了公众号";
    await act({ type: subscribe ? "subscribe" : "unsubscribe" }, { from: "system", tone: "event", text: echo });
    await loadFollowers().catch((err) => showStatus(`读取成员失败:${err.message}`));
  }

  async function createMember(event) {
    event.preventDefault();
    const nickname = ui.newName.value.trim() || `新成员${state.followers.length + 1}`;
    try {
      // Created as a non-follower: its first action is a real subscribe event (welcome message).
      const follower = await api("POST", "/followers", { nickname, subscribed: false });
      ui.newName.value = "";
      await loadFollowers();
      selectMember(follower.openid);
    } catch (err) {
      showStatus(`新建成员失败:${err.message}`);
    }
  }

  // --- the custom menu -----------------------------------------------------------------------
  function renderMenu() {
    const buttons = (state.menu && state.menu.button) || [];
    closePopup();
    ui.bar.hidden = buttons.length === 0;
    ui.bar.replaceChildren(
      ...buttons.map((b, i) => {
        const btn = el("button", "sim-menu__top", null, "menu-top");
        btn.type = "button";
        const subs = b.sub_button || [];
        if (subs.length) {
          btn.append(el("span", "sim-menu__icon", "≡"));
          btn.setAttribute("aria-haspopup", "menu");
          btn.setAttribute("aria-expanded", "false");
        }
        btn.append(el("span", null, b.name));
        btn.setAttribute("aria-label", subs.length ? `菜单「${b.name}」,展开子菜单` : `菜单「${b.name}」`);
        btn.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (subs.length) togglePopup(i, btn, subs, buttons.length);
          else tap(b);
        });
        return btn;
      }),
    );
  }

  function togglePopup(index, btn, subs, count) {
    const wasOpen = state.openMenu === index;
    closePopup();
    if (wasOpen) return;
    state.openMenu = index;
    btn.setAttribute("aria-expanded", "true");
    ui.popup.replaceChildren(
      ...subs.map((s) => {
        const item = el("button", "sim-menu__item", s.name, "menu-item");
        item.type = "button";
        item.setAttribute("role", "menuitem");
        item.setAttribute("aria-label", `子菜单「${s.name}」`);
        item.addEventListener("click", (ev) => {
          ev.stopPropagation();
          tap(s);
        });
        return item;
      }),
    );
    // The popup sits above its top button, as wide as the button (WeChat's layout).
    ui.popup.style.left = `calc(${(index * 100) / count}% + 6px)`;
    ui.popup.style.width = `calc(${100 / count}% - 12px)`;
    ui.popup.hidden = false;
  }

  function closePopup() {
    state.openMenu = -1;
    ui.popup.hidden = true;
    ui.bar.querySelectorAll("[aria-expanded]").forEach((b) => b.setAttribute("aria-expanded", "false"));
  }

  function tap(button) {
    closePopup();
    if (!state.current) return showStatus("先在右侧选择一位成员。");
    const note = (text) => ({ from: "system", tone: "event", text });
    if (button.type === "click") {
      act({ type: "click", key: button.key }, note(`点击了菜单「${button.name}」`));
    } else if (button.type === "view") {
      // WeChat opens the page and tells the backend with a VIEW event (no reply is shown).
      if (safeUrl(button.url)) window.open(button.url, "_blank", "noopener");
      act({ type: "view", key: button.url }, note(`打开了网页「${button.name}」`));
    } else {
      system(state.current, `模拟器暂不支持「${button.type}」类型的菜单按钮`, "event");
    }
  }

  // --- members -------------------------------------------------------------------------------
  function renderMembers() {
    ui.members.replaceChildren(
      ...state.followers.map((f) => {
        const cell = el("button", "weui-cell weui-cell_access sim-member", null, "member-item");
        cell.type = "button";
        cell.dataset.openid = f.openid;
        cell.setAttribute("aria-pressed", String(f.openid === state.current));
        cell.setAttribute("aria-label", `切换到成员 ${nameOf(f)}`);
        const avatar = el("span", "sim-avatar sim-avatar_member", nameOf(f).slice(0, 1));
        avatar.setAttribute("aria-hidden", "true");
        const bd = el("span", "weui-cell__bd sim-member__bd");
        bd.append(el("span", "sim-member__name", nameOf(f)), el("span", "sim-member__openid", f.openid));
        const ft = el("span", `sim-member__state ${f.subscribed ? "" : "sim-member__state_off"}`);
        ft.textContent = f.subscribed ? "已关注" : "未关注";
        cell.append(avatar, bd, ft);
        cell.addEventListener("click", () => selectMember(f.openid));
        return cell;
      }),
    );
    if (!state.followers.length) ui.members.append(el("p", "sim-side__note", "沙箱里还没有成员。"));
    const current = state.followers.find((f) => f.openid === state.current);
    ui.current.textContent = current ? nameOf(current) : "未选择";
    ui.subscribe.disabled = !current || current.subscribed;
    ui.unsubscribe.disabled = !current || !current.subscribed;
  }

  function selectMember(openid) {
    if (openid === state.current) return;
    state.current = openid;
    closePopup();
    renderMembers();
    renderChat();
    const chat = chatOf(openid);
    if (!chat.primed) {
      chat.primed = true; // the first poll shows what was pushed before the page opened
      poll();
    }
  }

  async function loadFollowers() {
    const data = await api("GET", "/followers");
    state.followers = data.followers;
    renderMembers();
  }

  async function loadMenu() {
    state.menu = (await api("GET", "/menu")).menu;
    renderMenu();
  }

  async function loadTemplates() {
    const data = await api("GET", "/templates");
    state.templates = new Map(data.templates.map((t) => [t.template_id, { title: t.title, labels: t.labels || {} }]));
  }

  // --- polling pushed messages ---------------------------------------------------------------
  async function poll() {
    const openid = state.current;
    if (!openid || state.polling) return;
    state.polling = true;
    const chat = chatOf(openid);
    try {
      const q = `?openid=${encodeURIComponent(openid)}&since_id=${chat.lastId}`;
      const data = await api("GET", `/deliveries${q}`);
      for (const d of data.deliveries) {
        // Passive replies are shown from the send call already; the log repeats them.
        if (d.channel === "reply") continue;
        if ((d.msgtype === "template" || d.msgtype === "subscribe") && !state.templates.has(d.payload.template_id)) {
          await loadTemplates().catch(() => {});
        }
        add(openid, { from: "account", source: "push", channel: d.channel, msgtype: d.msgtype, payload: d.payload });
      }
      chat.lastId = Math.max(chat.lastId, data.last_id);
      showStatus("");
    } catch (err) {
      showStatus(`连不上沙箱(${err.message}),稍后自动重试。`);
    } finally {
      state.polling = false;
    }
  }

  async function refresh() {
    try {
      await Promise.all([loadFollowers(), loadMenu(), loadTemplates()]);
      showStatus("");
    } catch (err) {
      showStatus(`读取沙箱失败:${err.message}`);
    }
  }

  // --- start ---------------------------------------------------------------------------------
  ui.form.addEventListener("submit", sendText);
  ui.newForm.addEventListener("submit", createMember);
  ui.subscribe.addEventListener("click", () => follow(true));
  ui.unsubscribe.addEventListener("click", () => follow(false));
  ui.refresh.addEventListener("click", refresh);
  document.addEventListener("click", (ev) => {
    if (state.openMenu >= 0 && !ui.popup.contains(ev.target)) closePopup();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closePopup();
  });
  ui.clock.textContent = hhmm(Date.now());
  setInterval(() => {
    ui.clock.textContent = hhmm(Date.now());
    if (!document.hidden) poll();
  }, POLL_MS);

  refresh().then(() => {
    const first = state.followers.find((f) => f.subscribed) || state.followers[0];
    if (first && !state.current) selectMember(first.openid);
  });
})();
