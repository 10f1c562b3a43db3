# The reference page for latency ratios: one slider and the text it changes, nothing else.
import streamlit as st

st.slider("x", 0, 100, key="x")
st.write(st.session_state.x)
