"""Bookings announced by a clinic's booking system: HL7 v2 SIU over MLLP (``hl7_siu``,
``mllp``) and FHIR R4 Appointments (``fhir``), each turned into the API's booking data and
applied through the API's own book, edit and cancel (``apply``), so that they are checked,
corrected and noticed exactly as an API call is. ``mapping`` is the clinic's file that says
which code is which procedure, where each location is, and where in a message each value is."""
