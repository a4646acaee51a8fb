"""现场招聘会 (job fairs): the clerk registers, officers query."""
