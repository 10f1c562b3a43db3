"""CNN Visual Lab: routing only. Each page file also runs on its own."""

import streamlit as st

from ui.state import report_ignored

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/kernel_lab.py", title="Kernel lab", icon=":material/blur_on:"),
    st.Page("pages/convolution.py", title="Convolution stepper", icon=":material/grid_on:"),
    st.Page("pages/iou.py", title="IoU lab", icon=":material/select_all:"),
    st.Page("pages/nms.py", title="NMS lab", icon=":material/filter_center_focus:"),
    st.Page("pages/gradient_descent.py", title="Gradient descent", icon=":material/trending_down:"),
    st.Page("pages/detection.py", title="Detection lab", icon=":material/center_focus_strong:"),
    st.Page("pages/evaluation.py", title="Evaluation lab", icon=":material/analytics:"),
    st.Page("pages/inside_detector.py", title="Inside a detector", icon=":material/biotech:"),
]

try:
    st.navigation(PAGES).run()
finally:  # also after st.stop(): link parameters the page could not use are named, quietly
    report_ignored()
