# The reference page for latency ratios: one widget of each kind the pages' interactions use, and
# the text they change; nothing else.
import streamlit as st

st.slider("x", 0, 100, key="x")
st.number_input("n", 0, 100, key="n")
st.selectbox("s", ["first", "second"], key="s")
st.write(f"x={st.session_state.x} n={st.session_state.n} s={st.session_state.s}")
