"""The CPD pages, one module per part: the plan and its goals (`plan`), activities and their
evidence (`activities`), exports (`exports`), the supervisor's review (`review`)."""
