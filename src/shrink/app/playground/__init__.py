"""``shrink playground``: a live regularization lab in the browser, trained by shrink's engine.

``datasets`` makes the 2-D toy sets, ``geometry`` the two-weight problem of the L1-diamond /
L2-disc picture, ``session`` one page's training (pure NumPy, testable without a browser),
``server`` the Starlette app that streams a session to its page (optional: ``shrink[playground]``).
"""
