/* pvreport: the menu button works from the keyboard on narrow screens.
 *
 * Material for MkDocs opens its navigation drawer (phones, and any browser zoomed in far enough)
 * with <label for="__drawer">: a mouse or a finger can press a label, but the keyboard cannot
 * reach one, so a keyboard user could not open the menu (WCAG 2.1.1). Here the label becomes a
 * button: in the Tab order, named, with its state, and pressed with Enter or Space. Opening the
 * menu moves the focus to its first link on show; Escape closes it and returns to the button.
 * Material's nested menu levels remain mouse-first (the keyboard also stops on links of the level
 * underneath, and the "back" arrow is a label too): the accessibility statement says so.
 *
 * extra.css keeps the closed drawer out of the Tab order (it is off screen, and the keyboard would
 * otherwise move through its links unseen), so without JavaScript the keyboard simply skips it.
 * Checked by tests/test_browser.py (the keyboard walk at 320 px).
 */
(function () {
  "use strict";

  // The first control in the drawer that is really on show: on a page inside a section, Material
  // opens the drawer at that section, drawn over the top level, whose links are still there.
  function firstShown(root) {
    var items = root.querySelectorAll("a[href], button, input:not([type=hidden]), [tabindex='0']");
    for (var i = 0; i < items.length; i++) {
      var box = items[i].getBoundingClientRect();
      if (!box.width || !box.height) continue;
      var top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (top && (top === items[i] || items[i].contains(top))) return items[i];
    }
    return null;
  }

  function setup() {
    var drawer = document.getElementById("__drawer");
    var button = document.querySelector("label.md-header__button[for='__drawer']");
    var sidebar = document.querySelector(".md-sidebar--primary");
    if (!drawer || !button || button.hasAttribute("data-pv-keyboard")) return;
    button.setAttribute("data-pv-keyboard", "");
    button.setAttribute("tabindex", "0");
    button.setAttribute("role", "button");
    button.setAttribute("aria-label", "Menu");
    if (sidebar && !sidebar.id) sidebar.id = "pv-navigation-drawer";
    if (sidebar) button.setAttribute("aria-controls", sidebar.id);

    function sync() {
      button.setAttribute("aria-expanded", drawer.checked ? "true" : "false");
    }

    button.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      // Material's own key handler clicks a focused label on Enter; doing both would open and
      // close the menu at once.
      event.stopPropagation();
      drawer.checked = !drawer.checked;
      drawer.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
      if (drawer.checked && sidebar) {
        // After the drawer's slide-in (0.25 s), when its links are where they will be seen.
        window.setTimeout(function () {
          var first = firstShown(sidebar);
          if (first) first.focus();
        }, 300);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !drawer.checked) return;
      drawer.checked = false;
      drawer.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
      button.focus();
    });
    drawer.addEventListener("change", sync);
    sync();
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
