"""'Copy link': the page's URL, which mirrors its settings, to the clipboard for a slide.

The browser knows the URL (with every bound setting in its query string); Python does not, so the
copying happens there. Where the clipboard is unavailable (a lecture PC reaching the lab over plain
http on the LAN), the link is shown selected in a text field to copy by hand. The component gets no
data from the app.
"""

from __future__ import annotations

import streamlit as st

_CSS = """
.cnn-share { display: inline-flex; align-items: center; gap: 0.4rem; }
.cnn-share button { font: inherit; font-size: 0.9rem; padding: 0.2rem 0.6rem; border-radius: 0.5rem;
  border: 1px solid rgba(128, 128, 128, 0.45); background: transparent; color: inherit; cursor: pointer; }
.cnn-share button:hover { border-color: #e6550d; color: #e6550d; }
.cnn-share input { font: inherit; font-size: 0.8rem; width: 18rem; padding: 0.15rem 0.3rem; }
.cnn-share .cnn-done { font-size: 0.85rem; opacity: 0.8; }
"""

_JS = r"""
export default function (component) {
  const { parentElement } = component;
  if (parentElement.querySelector(".cnn-share")) return;
  const root = document.createElement("div");
  root.className = "cnn-share";
  const button = document.createElement("button");
  button.textContent = "Copy link";
  button.title = "Copy a link that opens this page with these settings";
  button.setAttribute("data-testid", "cnn-copy-link");
  const done = document.createElement("span");
  done.className = "cnn-done";
  done.setAttribute("aria-live", "polite");
  root.append(button, done);
  parentElement.appendChild(root);
  const fallback = (url) => {
    let field = root.querySelector("input");
    if (!field) {
      field = document.createElement("input");
      field.readOnly = true;
      root.appendChild(field);
    }
    field.value = url;
    field.focus();
    field.select();
    done.textContent = "press Ctrl+C to copy";
  };
  button.addEventListener("click", () => {
    const url = window.location.href;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        () => { done.textContent = "copied"; setTimeout(() => (done.textContent = ""), 2500); },
        () => fallback(url),
      );
    } else {
      fallback(url);
    }
  });
}
"""

_component = st.components.v2.component("cnn_lab_share", js=_JS, css=_CSS)


def copy_link_button() -> None:
    """A button that copies the page's current URL (settings included)."""
    _component(key="app_copy_link")
