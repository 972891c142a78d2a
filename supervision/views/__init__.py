"""The supervision pages, one module per part: the log and its review (`entries`), the
supervisor's dashboard, the agenda, observer ratings, quick session reflections and exports."""
