"""What a contact chooses from: positions (R6), and each CRM's stages (R7) and acquisition
sources (R9). The rules the three share live here: who reads and who configures them, which CRM
an operation works in, the atomic changes of a CRM's lists, and refusing to delete what is used."""
