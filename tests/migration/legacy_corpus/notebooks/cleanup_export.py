#!/usr/bin/env python
# coding: utf-8

# # Contact clean-up
# Downloaded from Jupyter as a script.

# In[1]:


get_ipython().run_line_magic('matplotlib', 'inline')
!pip install infusionsoft-python
import xmlrpc.client


# In[2]:


server = xmlrpc.client.ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
KEY = "0123456789abcdef"
dupes = server.DataService.query(KEY, "Contact", 1000, 0, {"Email": "%@example.com"}, ["Id", "Email", "DateCreated"])


# In[3]:


%time
for row in dupes:
    server.ContactService.update(KEY, row["Id"], {"EmailAddress2": "", "Fax1": ""})


# In[4]:


server.ContactService.merge(KEY, dupes[0]["Id"], dupes[1]["Id"])
get_ipython().system('ls -l')


# In[5]:


%timeit -n 1 server.DataService.count(KEY, "Contact", {"Email": "%@example.com"})
