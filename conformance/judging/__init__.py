"""What every judgement is made of: the documented operations (``contract``) and findings and
outcomes with the one rule that concludes them (``outcomes``)."""
