"""Tests of budgets/importing/, one module per stage."""
