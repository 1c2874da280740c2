"""pvreport: validate a public value report data package and publish it as a website."""

__version__ = "0.1.0"
