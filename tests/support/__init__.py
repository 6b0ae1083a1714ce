"""Helpers shared by the test tiers: the template-derived AWS set-up and fakes."""
