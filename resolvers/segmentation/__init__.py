"""Segmentation (R8): a CRM's definitions and classifiers, each contact's segment, the job that
recomputes a CRM's contacts after a change, and the counts of contacts per segment."""
