# The reference page for latency ratios: one widget of each kind the pages' interactions use, and
# the text they change; nothing else. With `?lines=K` it first writes K lines of plain text: the
# floor for a page whose result comes after as many messages as a lab page's, computing nothing.
import streamlit as st

st.slider("x", 0, 100, key="x")
st.number_input("n", 0, 100, key="n")
st.selectbox("s", ["first", "second"], key="s")
try:
    lines = min(max(int(st.query_params.get("lines", 0)), 0), 500)
except ValueError:
    lines = 0
for line in range(lines):
    st.markdown(f"line {line + 1} of text")
st.write(f"x={st.session_state.x} n={st.session_state.n} s={st.session_state.s}")
