"""dossier: 规范化建设自评材料 — from a year of evidence files to the submission."""

__version__ = "0.1.0"
