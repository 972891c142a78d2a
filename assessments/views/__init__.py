"""Assessment pages, one module per area: the framework, the questionnaire, the profile."""
