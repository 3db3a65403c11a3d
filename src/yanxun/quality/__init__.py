"""Quality monitoring (教学质量监测): exam scores, indicators, item analysis, value-added."""
