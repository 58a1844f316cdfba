/* The live pathway panel (templates/cases/_preview.html): the determination drawn with its reasons and the articles
   behind them, in the page's language. Shared by the declaration wizard, the quick check and declaring from the
   inventory, so every page names pathways and articles the same way. */
(function () {
  "use strict";
  var digits = "零一二三四五六七八九";

  function zhNumber(n) {
    if (n < 10) { return digits[n]; }
    var tens = Math.floor(n / 10), ones = n % 10;
    return (tens === 1 ? "十" : digits[tens] + "十") + (ones ? digits[ones] : "");
  }

  function cite(config, basis) {
    var name = (config.instruments || {})[basis.instrument] || basis.instrument;
    var article = parseInt(basis.article, 10), item = basis.item ? parseInt(basis.item, 10) : null;
    if (config.lang === "zh") {
      return "《" + name + "》第" + zhNumber(article) + "条" + (item ? "第（" + zhNumber(item) + "）项" : "");
    }
    return name + " art. " + basis.article + (item ? "(" + basis.item + ")" : "");
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function show(config, result) {
    var zh = config.lang === "zh";
    var body = document.getElementById("preview-body"), errors = document.getElementById("preview-errors");
    document.getElementById("preview-empty").hidden = true;
    errors.hidden = true;
    errors.textContent = "";
    body.hidden = false;
    var pathway = document.getElementById("preview-pathway");
    pathway.textContent = (config.pathways || {})[result.pathway] || result.pathway;
    pathway.setAttribute("data-pathway", result.pathway);
    var c = result.cumulative || {};
    document.getElementById("preview-cumulative").textContent = zh
      ? "统计期间 " + result.counting_window.start + " 至 " + result.counting_window.end + "，累计个人信息 " +
        Number(c.pi_individuals || 0).toLocaleString("en-US") + " 人，敏感个人信息 " +
        Number(c.sensitive_pi_individuals || 0).toLocaleString("en-US") + " 人"
      : "Window " + result.counting_window.start + " – " + result.counting_window.end + "; persons counted " +
        Number(c.pi_individuals || 0).toLocaleString("en-US") + " (sensitive " +
        Number(c.sensitive_pi_individuals || 0).toLocaleString("en-US") + ")";
    var list = document.getElementById("preview-reasons");
    list.textContent = "";
    (result.transfers || []).forEach(function (t) {
      (t.reasons || []).forEach(function (r) {
        var li = el("li", (zh ? "传输" : "Transfer ") + (t.index + 1) + (zh ? "：" : ": ") +
                    (zh ? r.message_zh : r.message_en));
        var arts = el("span", "", "articles");
        (r.legal_basis || []).forEach(function (b) { arts.appendChild(el("span", cite(config, b), "article")); });
        li.appendChild(arts);
        list.appendChild(li);
      });
    });
  }

  window.XBorderPathwayPanel = {show: show, cite: cite, el: el};
})();
